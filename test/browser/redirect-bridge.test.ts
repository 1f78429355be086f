import type { AddressInfo } from 'node:net'
import type { Browser as ChromiumBrowser, Page as ChromiumPage } from 'playwright-core'
import type { Browser as FirefoxBrowser, Page as FirefoxPage } from 'puppeteer-core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'
import { launchChromium, launchFirefox, shouldRunBrowsers } from '../helpers/test-browsers.js'
import { followInChromium, followInFirefox, personContext, ROOM_FOR_SIGNALS, until } from './redirect-bridge-helpers.js'

/**
 * The bridge in real Chromium and Firefox (docs/bridge.md): one click per visit, never two,
 * never zero, whatever the browser does — runs the page, has JavaScript off, hits a script
 * error, is slow to read its signals, or is closed before the page's click leaves — and
 * Back never lands on the page. REDIRECT_MODE=bridge, PRIVACY_MODE=full, a 2 s deadline.
 */
const DEADLINE_MS = 2_000
const SLUG = 'go'

let service: TestService | undefined
let chromium: ChromiumBrowser | undefined
let firefox: FirefoxBrowser | undefined
afterEach(async () => {
  await chromium?.close()
  await firefox?.close()
  chromium = firefox = undefined
  await service?.close()
  service = undefined
})

async function start(env: NodeJS.ProcessEnv = {}) {
  const s = (service = await startTestService('sqlite', { PRIVACY_MODE: 'full', REDIRECT_MODE: 'bridge', BRIDGE_DEADLINE_MS: String(DEADLINE_MS), CLICK_FLUSH_MS: '5', GEOIP_DB: 'off', ...env }))
  await s.app.listen({ port: 0, host: '127.0.0.1' })
  const baseUrl = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`
  const created = await s.app.inject({ method: 'POST', url: '/api/links', headers: bearer(s.adminKey), payload: { url: `${baseUrl}/healthz`, slug: SLUG } })
  expect(created.statusCode).toBe(201)
  return { s, baseUrl, shortUrl: `${baseUrl}/${SLUG}`, target: `${baseUrl}/healthz`, before: `${baseUrl}/healthz/live` }
}

/** The link's stored clicks, once no bridge page holds a click any more and the writer has written them all. */
async function settledClicks(s: TestService) {
  await vi.waitFor(async () => {
    const held = await s.linkprint.metrics.registry.getSingleMetric('linkprint_bridge_held_clicks')!.get()
    expect(held.values[0]?.value).toBe(0)
  }, { timeout: DEADLINE_MS * 5, interval: 50 })
  await s.linkprint.writer.flush()
  const link = (await s.linkprint.storage.links.findLinkBySlug(SLUG))!
  return s.linkprint.storage.clicks.clicksPage(link.id, {}, 0, 100)
}

/** What the short link answered each request of this page: the bridge page (200), a redirect, the page's click (JSON). */
function answers(page: ChromiumPage): Array<{ status: number; kind: 'json' | 'navigation'; bridge: boolean }> {
  const seen: Array<{ status: number; kind: 'json' | 'navigation'; bridge: boolean }> = []
  page.on('response', (r) => {
    const url = new URL(r.url())
    if (url.pathname === `/${SLUG}`) seen.push({ status: r.status(), kind: r.request().headers().accept === 'application/json' ? 'json' : 'navigation', bridge: url.searchParams.has('bridge') })
  })
  return seen
}

function firefoxAnswers(page: FirefoxPage): Array<{ status: number; kind: 'json' | 'navigation'; bridge: boolean }> {
  const seen: Array<{ status: number; kind: 'json' | 'navigation'; bridge: boolean }> = []
  page.on('response', (r) => {
    const url = new URL(r.url())
    if (url.pathname === `/${SLUG}`) seen.push({ status: r.status(), kind: r.request().headers().accept === 'application/json' ? 'json' : 'navigation', bridge: url.searchParams.has('bridge') })
  })
  return seen
}

const CASE_TIMEOUT = 120_000

describe.runIf(shouldRunBrowsers())('the bridge in real Chromium', () => {
  it('runs the page: one click with the SDK signals, the target reached, Back skips the page, and the same browser gets the plain redirect next time', async () => {
    const { s, shortUrl, target, before } = await start()
    chromium = await launchChromium()
    const context = await personContext(chromium)
    await context.addInitScript(ROOM_FOR_SIGNALS)
    const page = await context.newPage()
    const seen = answers(page)
    await followInChromium(page, before, shortUrl, target)
    await page.goBack()
    expect(page.url()).toBe(before)
    expect(seen).toEqual([{ status: 200, kind: 'navigation', bridge: false }, { status: 200, kind: 'json', bridge: true }])
    const [click] = await settledClicks(s)
    expect(await settledClicks(s)).toHaveLength(1)
    expect(click).toMatchObject({ identity_source: 'client_header', is_bot: 0 })
    expect(click!.sdk_device_hash).toMatch(/^(v\d+_)?[A-Za-z0-9_-]{43}$/)
    expect((await context.cookies()).find((c) => c.name === 'device_fp')).toMatchObject({ httpOnly: true, sameSite: 'Lax' })

    seen.length = 0
    await followInChromium(page, before, shortUrl, target)
    expect(seen).toEqual([{ status: 302, kind: 'navigation', bridge: false }])
    expect(await settledClicks(s)).toHaveLength(2)
  }, CASE_TIMEOUT)

  it('without JavaScript: the page\'s refresh takes its fallback link, one plain click, the target reached', async () => {
    const { s, shortUrl, target, before } = await start()
    chromium = await launchChromium()
    const page = await (await personContext(chromium, { javaScriptEnabled: false })).newPage()
    const seen = answers(page)
    await followInChromium(page, before, shortUrl, target)
    expect(seen).toEqual([{ status: 200, kind: 'navigation', bridge: false }, { status: 302, kind: 'navigation', bridge: true }])
    const clicks = await settledClicks(s)
    expect(clicks).toHaveLength(1)
    expect(clicks[0]).toMatchObject({ sdk_device_hash: null, is_bot: 0 })
  }, CASE_TIMEOUT)

  it('a script error (fetch broken) ends on the fallback link: one plain click', async () => {
    const { s, shortUrl, target, before } = await start()
    chromium = await launchChromium()
    const context = await personContext(chromium)
    await context.addInitScript('window.fetch = () => { throw new Error("blocked by an extension") }')
    const page = await context.newPage()
    const seen = answers(page)
    await followInChromium(page, before, shortUrl, target)
    expect(seen.map((a) => a.status)).toEqual([200, 302])
    expect(await settledClicks(s)).toMatchObject([{ sdk_device_hash: null, is_bot: 0 }])
  }, CASE_TIMEOUT)

  it('signals slower than 150 ms: the page sends its click without them, one click', async () => {
    const { s, shortUrl, target, before } = await start()
    chromium = await launchChromium()
    const context = await personContext(chromium)
    // SHA-256 that never answers: the fingerprint is never made.
    await context.addInitScript('crypto.subtle.digest = () => new Promise(() => {})')
    const page = await context.newPage()
    const sent: Array<Record<string, string>> = []
    page.on('request', (r) => { if (new URL(r.url()).searchParams.has('bridge')) sent.push(r.headers()) })
    await followInChromium(page, before, shortUrl, target)
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({ accept: 'application/json' })
    expect(sent[0]).not.toHaveProperty('x-device-fingerprint')
    expect(await settledClicks(s)).toMatchObject([{ sdk_device_hash: null, is_bot: 0 }])
  }, CASE_TIMEOUT)

  it('the tab closed before the page\'s click left: the held click is recorded at the deadline, once', async () => {
    const { s, shortUrl } = await start()
    chromium = await launchChromium()
    const context = await personContext(chromium)
    // The page's click never leaves (a keepalive fetch is beyond the test's request routing), and the tab closes at once.
    await context.addInitScript('window.fetch = () => new Promise(() => {})')
    const page = await context.newPage()
    const served = page.waitForResponse((r) => new URL(r.url()).pathname === `/${SLUG}`)
    void page.goto(shortUrl).catch(() => undefined)
    expect((await served).status()).toBe(200)
    // The window goes with the tab (a page whose fetch never settles can keep page.close() waiting).
    await context.close()
    const clicks = await settledClicks(s)
    expect(clicks).toHaveLength(1)
    expect(clicks[0]).toMatchObject({ sdk_device_hash: null, is_bot: 0 })
  }, CASE_TIMEOUT)

  it('gives the plain redirect to headless Chromium (a bot by its user agent) and to Do Not Track', async () => {
    const { s, shortUrl, target } = await start()
    chromium = await launchChromium()
    for (const context of [await chromium.newContext(), await personContext(chromium, { extraHTTPHeaders: { dnt: '1' } })]) {
      const page = await context.newPage()
      const seen = answers(page)
      await page.goto(shortUrl)
      expect(page.url()).toBe(target)
      expect(seen.map((a) => a.status)).toEqual([302])
    }
    expect(await settledClicks(s)).toMatchObject([{ is_bot: 1 }, { is_bot: 0 }])
  }, CASE_TIMEOUT)
})

describe.runIf(shouldRunBrowsers())('the bridge in real Firefox', () => {
  it('runs the page: one click with the SDK signals, Back skips the page, the same browser gets the plain redirect next time', async () => {
    const { s, shortUrl, target, before } = await start()
    firefox = await launchFirefox()
    const page = await firefox.newPage()
    await page.evaluateOnNewDocument(ROOM_FOR_SIGNALS)
    const seen = firefoxAnswers(page)
    await followInFirefox(page, before, shortUrl, target)
    // Back as the user presses it; the document says where it is (puppeteer's goBack and url()
    // wait for, and follow, a load that a page restored from the back-forward cache never fires).
    await page.evaluate('history.back()')
    await until(async () => (await page.evaluate('location.href')) === before, 'Back lands on the page before')
    expect(await page.evaluate('history.length')).toBe(2)
    const clicks = await settledClicks(s)
    expect(clicks).toHaveLength(1)
    expect(clicks[0]!.sdk_device_hash).toMatch(/^(v\d+_)?[A-Za-z0-9_-]{43}$/)
    expect(seen.filter((a) => a.bridge).map((a) => [a.status, a.kind])).toEqual([[200, 'json']])

    // Another tab of the same browser (its cookie): the plain redirect.
    const again = await firefox.newPage()
    const seenAgain = firefoxAnswers(again)
    await followInFirefox(again, before, shortUrl, target)
    expect(seenAgain.map((a) => a.status)).toEqual([302])
    expect(await settledClicks(s)).toHaveLength(2)
  }, CASE_TIMEOUT)

  it('without JavaScript (javascript.enabled off): one plain click through the fallback link', async () => {
    const { s, shortUrl, target, before } = await start()
    firefox = await launchFirefox({ 'javascript.enabled': false })
    const page = await firefox.newPage()
    const seen = firefoxAnswers(page)
    await followInFirefox(page, before, shortUrl, target)
    expect(seen.map((a) => [a.status, a.bridge])).toEqual([[200, false], [302, true]])
    expect(await settledClicks(s)).toMatchObject([{ sdk_device_hash: null, is_bot: 0 }])
  }, CASE_TIMEOUT)

  it('a script error, and signals slower than 150 ms: one click each', async () => {
    const { s, shortUrl, target, before } = await start()
    firefox = await launchFirefox()
    const broken = await firefox.newPage()
    await broken.evaluateOnNewDocument('window.fetch = () => { throw new Error("blocked by an extension") }')
    await followInFirefox(broken, before, shortUrl, target)
    await broken.close()
    expect(await settledClicks(s)).toHaveLength(1)

    // A new window of its own (no cookie yet): its SHA-256 never answers.
    const context = await firefox.createBrowserContext()
    const slow = await context.newPage()
    await slow.evaluateOnNewDocument('crypto.subtle.digest = () => new Promise(() => {})')
    const seen = firefoxAnswers(slow)
    await followInFirefox(slow, before, shortUrl, target)
    expect(seen.filter((a) => a.bridge).map((a) => [a.status, a.kind])).toEqual([[200, 'json']])
    expect(await settledClicks(s)).toMatchObject([{ sdk_device_hash: null }, { sdk_device_hash: null }])
  }, CASE_TIMEOUT)

  it('the tab closed as the page arrived: exactly one click, whichever request made it', async () => {
    const { s, shortUrl } = await start()
    firefox = await launchFirefox()
    const page = await firefox.newPage()
    const served = new Promise<void>((resolve) => page.on('response', (r) => { if (new URL(r.url()).pathname === `/${SLUG}`) resolve() }))
    void page.goto(shortUrl).catch(() => undefined)
    await served
    await page.close()
    expect(await settledClicks(s)).toHaveLength(1)
  }, CASE_TIMEOUT)

  it('gives the plain redirect to Global Privacy Control', async () => {
    const { s, shortUrl, target } = await start()
    firefox = await launchFirefox({ 'privacy.globalprivacycontrol.enabled': true })
    const page = await firefox.newPage()
    const seen = firefoxAnswers(page)
    await page.goto(shortUrl)
    expect(page.url()).toBe(target)
    expect(seen.map((a) => a.status)).toEqual([302])
    expect(await settledClicks(s)).toMatchObject([{ sdk_device_hash: null, is_bot: 0 }])
  }, CASE_TIMEOUT)
})
