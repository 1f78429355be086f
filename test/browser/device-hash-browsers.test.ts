import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium as playwright, devices, type BrowserContext, type BrowserContextOptions } from 'playwright-core'
import type { Browser as FirefoxBrowser } from 'puppeteer-core'
import { afterEach, describe, expect, it } from 'vitest'
import { CHROMIUM_PATH, launchChromium, launchFirefox, shouldRunBrowsers } from '../helpers/test-browsers.js'
import { startTestService, type TestService } from '../helpers/test-service.js'

/**
 * The SDK's device hash (version 2) where it matters: one machine's Chromium in its own
 * profile and in an incognito window, Firefox ESR in a normal profile and with private
 * browsing on (its fingerprinting protection then tiers the core count and randomises
 * canvas), all showing one device hash on the test page; an emulated phone another.
 * Firefox's private windows send Global Privacy Control unless the user turns it off
 * there, and then the SDK computes nothing at all: both cases are tested.
 * The browser hash keeps them apart. Headless Firefox reports a 1366×768 screen, so the
 * Chromium contexts get that screen too: the browsers of one real device share its screen.
 */
const SCREEN = { width: 1366, height: 768 }
const TEST_PAGE = '/dashboard/test-enhanced-fingerprint'
const SHOWN = `document.getElementById('device-hash').textContent.length > 40 && document.documentElement.dataset.ready === 'true'`
const READ = `(() => ({ device: document.getElementById('device-hash').textContent, browser: document.getElementById('browser-hash').textContent, cores: navigator.hardwareConcurrency }))()`

interface Shown { device: string; browser: string; cores: number }

let service: TestService | undefined
const closers: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
  await service?.close()
  service = undefined
})

async function start(): Promise<string> {
  service = await startTestService('sqlite', { PRIVACY_MODE: 'full' })
  await service.app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`
}

/** What a user reads off the test page after "Start the test". */
async function inChromium(context: BrowserContext, baseUrl: string): Promise<Shown> {
  const page = await context.newPage()
  await page.goto(`${baseUrl}${TEST_PAGE}`)
  await page.click('#consent')
  await page.waitForFunction(SHOWN)
  return page.evaluate<Shown>(READ)
}

async function inFirefox(firefox: FirefoxBrowser, baseUrl: string): Promise<Shown> {
  const page = await firefox.newPage()
  await page.goto(`${baseUrl}${TEST_PAGE}`)
  await page.waitForSelector('#consent:not([hidden])')
  await page.click('#consent')
  await page.waitForFunction(SHOWN)
  return (await page.evaluate(READ)) as Shown
}

async function inFirefoxLaunched(prefs: Record<string, unknown>, baseUrl: string): Promise<Shown> {
  const firefox = await launchFirefox(prefs)
  try {
    return await inFirefox(firefox, baseUrl)
  } finally {
    await firefox.close()
  }
}

describe.runIf(shouldRunBrowsers())('the device hash across browsers and private windows', () => {
  it('is one hash in Chromium, its incognito window, Firefox and a Firefox private window on one machine; the browser hashes differ', { timeout: 240_000 }, async () => {
    // Five browser launches one after the other: twice the usual time.
    const baseUrl = await start()

    // One browser at a time: four at once are more than this test needs of a shared machine.
    const profile = await mkdtemp(join(tmpdir(), 'linkprint-chromium-'))
    closers.push(() => rm(profile, { recursive: true, force: true }))
    // A persistent profile is Chromium's normal window; a new context of a launched browser is off the record.
    const normal = await playwright.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, args: ['--no-sandbox'], screen: SCREEN })
    const chromiumShown = await inChromium(normal, baseUrl).finally(() => normal.close())
    const chromium = await launchChromium()
    const incognitoShown = await chromium.newContext({ screen: SCREEN }).then((c) => inChromium(c, baseUrl)).finally(() => chromium.close())
    const firefoxShown = await inFirefoxLaunched({}, baseUrl)

    // Private browsing as the user gets it (Global Privacy Control on): the SDK computes nothing.
    const firefoxPrivateGpc = await launchFirefox({ 'browser.privatebrowsing.autostart': true })
    try {
      const page = await firefoxPrivateGpc.newPage()
      await page.goto(`${baseUrl}${TEST_PAGE}`)
      await page.waitForFunction(`document.documentElement.dataset.ready === 'true'`)
      expect(await page.evaluate(`document.getElementById('privacy-state').textContent`)).toContain('Global Privacy Control')
      expect(await page.evaluate(`document.getElementById('device-hash').textContent`)).toBe('–')
    } finally {
      await firefoxPrivateGpc.close()
    }

    // And with GPC turned off there.
    const shown = {
      chromium: chromiumShown,
      incognito: incognitoShown,
      firefox: firefoxShown,
      firefoxPrivate: await inFirefoxLaunched({ 'browser.privatebrowsing.autostart': true, 'privacy.globalprivacycontrol.pbmode.enabled': false }, baseUrl),
    }
    expect(shown.chromium.device).toMatch(/^v2_[A-Za-z0-9_-]{43}$/)
    for (const s of Object.values(shown)) expect(s.device).toBe(shown.chromium.device)
    // Firefox's private window really is one: its fingerprinting protection reports 4 or 8 cores.
    expect([4, 8]).toContain(shown.firefoxPrivate.cores)

    // Chromium's incognito window draws as its normal one: one install. Firefox is another,
    // and its private window randomises canvas: a browser hash of its own.
    expect(shown.incognito.browser).toBe(shown.chromium.browser)
    expect(shown.firefox.browser).not.toBe(shown.chromium.browser)
    expect(shown.firefoxPrivate.browser).not.toBe(shown.chromium.browser)
    expect(shown.firefoxPrivate.browser).not.toBe(shown.firefox.browser)
  })

  it('is another hash on an emulated phone, and on this machine with another screen or time zone', { timeout: 120_000 }, async () => {
    const baseUrl = await start()
    const chromium = await launchChromium()
    closers.push(() => chromium.close())
    const { defaultBrowserType: _ignored, ...pixel } = devices['Pixel 7'] as BrowserContextOptions & { defaultBrowserType?: string }
    const contexts: BrowserContextOptions[] = [
      { screen: SCREEN },
      { ...pixel, locale: 'de-DE', timezoneId: 'Europe/Berlin' },
      { screen: { width: 1920, height: 1080 } },
      { screen: SCREEN, timezoneId: 'America/New_York' },
    ]
    const hashes: string[] = []
    for (const options of contexts) hashes.push((await inChromium(await chromium.newContext(options), baseUrl)).device)
    expect(new Set(hashes).size).toBe(contexts.length)
  })
})
