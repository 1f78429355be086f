import type { AddressInfo } from 'node:net'
import { devices, type Browser as ChromiumBrowser, type BrowserContext, type BrowserContextOptions, type Page as ChromiumPage } from 'playwright-core'
import type { Page as FirefoxPage } from 'puppeteer-core'
import { afterEach, describe, expect, it } from 'vitest'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'
import { launchChromium, launchFirefox, shouldRunBrowsers } from '../helpers/test-browsers.js'

/**
 * The SDK in real browsers, as a user tests their setup with the test page
 * (`/dashboard/test-enhanced-fingerprint`, seed 004): Chromium driven by playwright-core,
 * Firefox ESR by puppeteer-core, one listening service under PRIVACY_MODE=full.
 *
 * Headless browsers emulate a screen: Chromium 800×600 unless told, Firefox 1366×768.
 * Both get 1366×768 here (Chromium's context option; Firefox's headless default), because
 * the browsers of one real device share its one screen.
 */
const SCREEN = { width: 1366, height: 768 }

/**
 * The browser globals the page functions below touch: the test tsconfig has Node's lib,
 * not the DOM's, and the SDK's own types live in its browser-only project.
 */
interface PageSdk {
  grantConsent(): void
  login(email: string, password: string): Promise<{ status: number }>
  fetch(url: string): Promise<{ status: number; json(): Promise<unknown> }>
  readonly token: string | null
  readonly sessionId: string | null
}
declare const window: { linkprint?: PageSdk }
declare const sessionStorage: { getItem(key: string): string | null }
declare const Navigator: { prototype: object }
const TEST_PAGE = '/dashboard/test-enhanced-fingerprint'
const HASH = /^[A-Za-z0-9_-]{43}$/
/** An SDK hash of the current algorithm: its version, then 43 base64url characters (sdk-hash-format.ts). */
const SDK_HASH = /^v2_[A-Za-z0-9_-]{43}$/

let service: TestService | undefined
let chromium: ChromiumBrowser | undefined
afterEach(async () => {
  await chromium?.close()
  chromium = undefined
  await service?.close()
  service = undefined
})

async function start(env: NodeJS.ProcessEnv = { PRIVACY_MODE: 'full' }): Promise<{ service: TestService; baseUrl: string; port: number }> {
  service = await startTestService('sqlite', { CLICK_FLUSH_MS: '5', ...env })
  await service.app.listen({ port: 0, host: '127.0.0.1' })
  const port = (service.app.server.address() as AddressInfo).port
  return { service, baseUrl: `http://127.0.0.1:${port}`, port }
}

async function createLink(s: TestService, slug: string, url: string): Promise<void> {
  const created = await s.app.inject({ method: 'POST', url: '/api/links', headers: bearer(s.adminKey), payload: { url, slug } })
  expect(created.statusCode).toBe(201)
}

async function stats(s: TestService, slug: string) {
  await s.linkprint.writer.flush()
  return (await s.app.inject({ url: `/api/links/${slug}/stats`, headers: bearer(s.adminKey) })).json()
}

/** Headless Chromium says "HeadlessChrome", which isbot rightly flags; a person's Chromium says "Chrome". */
async function chromiumContext(browser: ChromiumBrowser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  if (options.userAgent) return browser.newContext({ screen: SCREEN, ...options })
  const probe = await browser.newPage()
  const userAgent = (await probe.evaluate<string>('navigator.userAgent')).replace('HeadlessChrome', 'Chrome')
  await probe.close()
  return browser.newContext({ screen: SCREEN, viewport: { width: 1280, height: 680 }, ...options, userAgent })
}

/** The SDK's requests to the short link, with their headers, as the browser sent them. */
function sdkClicks(page: ChromiumPage, slug: string): Array<Record<string, string>> {
  const seen: Array<Record<string, string>> = []
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === `/${slug}`) seen.push(request.headers())
  })
  return seen
}

/** What the test page shows after "Start the test": the hashes, read off the page. */
const READ_HASHES = `(() => ({ device: document.getElementById('device-hash').textContent, browser: document.getElementById('browser-hash').textContent }))()`
const HASHES_SHOWN = `document.getElementById('device-hash').textContent.length > 40 && document.documentElement.dataset.ready === 'true'`
/** A row of the page's "what the server resolved" table. */
const serverRow = (name: string) => `(() => { for (const tr of document.querySelectorAll('#server tr')) if (tr.querySelector('th').textContent === ${JSON.stringify(name)}) return tr.querySelector('td').textContent; return null })()`

/** A user with Chromium: opens the test page, starts the test, follows the link; the hashes the page showed. */
async function followInChromium(context: BrowserContext, baseUrl: string, slug: string, target: string) {
  const page = await context.newPage()
  const clicks = sdkClicks(page, slug)
  await page.goto(`${baseUrl}${TEST_PAGE}?link=${slug}`)
  await page.click('#consent')
  await page.waitForFunction(HASHES_SHOWN)
  const hashes = await page.evaluate<{ device: string; browser: string }>(READ_HASHES)
  await Promise.all([page.waitForURL(target), page.click('#follow')])
  return { page, hashes, clicks }
}

async function followInFirefox(page: FirefoxPage, baseUrl: string, slug: string, target: string) {
  await page.goto(`${baseUrl}${TEST_PAGE}?link=${slug}`)
  await page.waitForSelector('#consent:not([hidden])')
  await page.click('#consent')
  await page.waitForFunction(HASHES_SHOWN)
  const hashes = (await page.evaluate(READ_HASHES)) as { device: string; browser: string }
  await Promise.all([page.waitForNavigation(), page.click('#follow')])
  expect(page.url()).toBe(target)
  return hashes
}

describe.runIf(shouldRunBrowsers())('the SDK in real browsers', () => {
  it('counts Chromium, its incognito window and Firefox on one machine as one device (seed 004, scenarios 1 and 2)', { timeout: 120_000 }, async () => {
    const { service: s, baseUrl } = await start()
    const target = `${baseUrl}/healthz`
    await createLink(s, 'sdk-one', target)
    chromium = await launchChromium()

    const normal = await chromiumContext(chromium)
    const first = await followInChromium(normal, baseUrl, 'sdk-one', target)
    // The click went through the SDK: JSON asked for, fingerprints carried, no token.
    expect(first.clicks).toHaveLength(1)
    expect(first.clicks[0]).toMatchObject({ accept: 'application/json', 'x-device-fingerprint': first.hashes.device, 'x-browser-fingerprint': first.hashes.browser, 'x-timezone': 'UTC' })
    expect(first.clicks[0]).not.toHaveProperty('authorization')
    expect(first.hashes.device).toMatch(SDK_HASH)
    expect((await normal.cookies()).find((c) => c.name === 'device_fp')).toMatchObject({ httpOnly: true, sameSite: 'Lax' })
    expect(await stats(s, 'sdk-one')).toMatchObject({ clicks: 1, deviceUniqueClicks: 1, botClicks: 0 })

    // Incognito: a new context, empty cookie jar and localStorage; the SDK makes the same hashes again.
    const incognito = await chromiumContext(chromium)
    const second = await followInChromium(incognito, baseUrl, 'sdk-one', target)
    expect(second.hashes).toEqual(first.hashes)

    const firefox = await launchFirefox()
    let firefoxHashes: { device: string; browser: string }
    let firefoxDevice: string | null
    try {
      const page = await firefox.newPage()
      firefoxHashes = await followInFirefox(page, baseUrl, 'sdk-one', target)
      // Back on the test page: what the server made of this Firefox.
      await page.goto(`${baseUrl}${TEST_PAGE}`)
      await page.click('#consent')
      await page.waitForFunction(`${HASHES_SHOWN} && ${serverRow('device cluster id')} !== null`)
      firefoxDevice = (await page.evaluate(serverRow('device cluster id'))) as string | null
      // The same SDK device hash, and the same link minutes later from the same address: the surer of the two joined it.
      expect(await page.evaluate(serverRow('joined by'))).toMatch(/sdk_device|reopen/)
    } finally {
      await firefox.close()
    }
    // Cross-browser: the device hash is the same, the browser hash is not.
    expect(firefoxHashes.device).toBe(first.hashes.device)
    expect(firefoxHashes.browser).not.toBe(first.hashes.browser)

    // The user's check: three clicks, one device. Chromium's two windows are one browser
    // install (same canvas, WebGL, user agent: the sdk_browser rule), Firefox another.
    expect(await stats(s, 'sdk-one')).toMatchObject({ clicks: 3, browserUniqueClicks: 2, deviceUniqueClicks: 1, botClicks: 0 })

    // The test page in Chromium shows the same device cluster as Firefox's.
    const back = await normal.newPage()
    await back.goto(`${baseUrl}${TEST_PAGE}`)
    await back.click('#consent')
    await back.waitForFunction(`${HASHES_SHOWN} && ${serverRow('device cluster id')} !== null`)
    expect(await back.evaluate<string | null>(serverRow('device cluster id'))).toBe(firefoxDevice)
    expect(await back.evaluate<string | null>(serverRow('this request identified by'))).toBe('client_header')
  })

  it('tells a phone and a tablet from this computer: three devices (seed 004, scenario 3)', { timeout: 120_000 }, async () => {
    const { service: s, baseUrl } = await start()
    const target = `${baseUrl}/healthz`
    await createLink(s, 'sdk-devices', target)
    chromium = await launchChromium()
    const hashes: string[] = []
    // Playwright's descriptors emulate each device's screen, touch points, user agent and platform.
    for (const options of [{}, devices['Pixel 7']!, devices['iPad (gen 7)']!] as BrowserContextOptions[]) {
      const { defaultBrowserType: _ignored, ...emulation } = options as BrowserContextOptions & { defaultBrowserType?: string }
      const context = await chromiumContext(chromium, emulation.userAgent ? { ...emulation, screen: emulation.screen ?? SCREEN } : emulation)
      hashes.push((await followInChromium(context, baseUrl, 'sdk-devices', target)).hashes.device)
    }
    expect(new Set(hashes).size).toBe(3)
    expect(await stats(s, 'sdk-devices')).toMatchObject({ clicks: 3, deviceUniqueClicks: 3, botClicks: 0 })
  })

  it('sends no fingerprint from a browser with Global Privacy Control (Firefox\'s own setting, Chromium\'s emulated)', { timeout: 120_000 }, async () => {
    const { service: s, baseUrl } = await start()
    const target = `${baseUrl}/healthz`
    await createLink(s, 'sdk-gpc', target)

    const firefox = await launchFirefox({ 'privacy.globalprivacycontrol.enabled': true })
    try {
      const page = await firefox.newPage()
      await page.goto(`${baseUrl}${TEST_PAGE}?link=sdk-gpc`)
      await page.waitForFunction(`document.documentElement.dataset.ready === 'true'`)
      expect(await page.evaluate('navigator.globalPrivacyControl')).toBe(true)
      expect(await page.evaluate(`document.getElementById('privacy-state').textContent`)).toContain('Global Privacy Control')
      // Had the SDK sent its headers, the server would list them as refused for privacy.
      expect(await page.evaluate(serverRow('fingerprint headers accepted'))).toBe('device no, browser no')
      expect(await page.evaluate(serverRow('signals refused'))).toBe('–')
      await Promise.all([page.waitForNavigation(), page.click('#follow')])
      expect(page.url()).toBe(target)
      await page.goto(`${baseUrl}/healthz`)
      expect(await page.evaluate(`localStorage.getItem('device_fingerprint')`)).toBeNull()
    } finally {
      await firefox.close()
    }

    chromium = await launchChromium()
    const context = await chromiumContext(chromium, { extraHTTPHeaders: { 'sec-gpc': '1' } })
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }))
    const page = await context.newPage()
    const sent: Array<Record<string, string>> = []
    page.on('request', (r) => { if (r.url().startsWith(baseUrl)) sent.push(r.headers()) })
    await page.goto(`${baseUrl}${TEST_PAGE}?link=sdk-gpc`)
    await page.waitForFunction(`document.documentElement.dataset.ready === 'true'`)
    await Promise.all([page.waitForURL(target), page.click('#follow')])
    expect(sent.length).toBeGreaterThan(3)
    for (const headers of sent) {
      expect(headers).not.toHaveProperty('x-device-fingerprint')
      expect(headers).not.toHaveProperty('x-browser-fingerprint')
      expect(headers).not.toHaveProperty('x-timezone')
    }
    expect(await page.evaluate(`localStorage.getItem('device_fingerprint')`)).toBeNull()
    // Both clicks counted, as strict-mode humans: no SDK evidence taken.
    expect(await stats(s, 'sdk-gpc')).toMatchObject({ clicks: 2, botClicks: 0 })
  })

  it('collects nothing until consent is granted, then sends the fingerprint', { timeout: 120_000 }, async () => {
    const { service: s, baseUrl } = await start()
    const target = `${baseUrl}/healthz`
    await createLink(s, 'sdk-consent', target)
    chromium = await launchChromium()
    const context = await chromiumContext(chromium)
    const page = await context.newPage()
    const sent: Array<{ path: string; headers: Record<string, string> }> = []
    page.on('request', (r) => { if (r.url().startsWith(baseUrl)) sent.push({ path: new URL(r.url()).pathname, headers: r.headers() }) })

    // The test page loads the SDK with data-consent="required": nothing computed, stored or sent.
    await page.goto(`${baseUrl}${TEST_PAGE}?link=sdk-consent`)
    await page.waitForFunction(`document.documentElement.dataset.ready === 'true'`)
    expect(await page.isVisible('#consent')).toBe(true)
    expect(await page.textContent('#device-hash')).toBe('–')
    await Promise.all([page.waitForURL(target), page.click('#follow')])
    expect(await page.evaluate(`localStorage.length`)).toBe(0)
    expect(sent.map((r) => r.path)).toEqual(expect.arrayContaining(['/api/visitor/identity', '/sdk-consent']))
    for (const { headers } of sent) expect(headers).not.toHaveProperty('x-device-fingerprint')

    // Granted: the fingerprint is made, kept and sent with the next click.
    await page.goto(`${baseUrl}${TEST_PAGE}?link=sdk-consent`)
    await page.click('#consent')
    await page.waitForFunction(HASHES_SHOWN)
    const { device } = await page.evaluate<{ device: string }>(READ_HASHES)
    const stored = JSON.parse((await page.evaluate<string | null>(`localStorage.getItem('device_fingerprint')`))!)
    expect(stored).toMatchObject({ version: 2, device })
    sent.length = 0
    await Promise.all([page.waitForURL(target), page.click('#follow')])
    expect(sent.find((r) => r.path === '/sdk-consent')?.headers['x-device-fingerprint']).toBe(device)

    // A plain <a data-linkprint> on the page: the SDK intercepts the click and carries its headers too.
    await page.goto(`${baseUrl}${TEST_PAGE}?link=sdk-consent`)
    await page.click('#consent')
    await page.waitForFunction(HASHES_SHOWN)
    sent.length = 0
    await Promise.all([page.waitForURL(target), page.click('#follow-link')])
    expect(sent.find((r) => r.path === '/sdk-consent')?.headers).toMatchObject({ accept: 'application/json', 'x-device-fingerprint': device })
    // One browser, three clicks: the cookie of the first click recognises the others.
    expect(await stats(s, 'sdk-consent')).toMatchObject({ clicks: 3, browserUniqueClicks: 1, deviceUniqueClicks: 1 })

    // The visitor turns Global Privacy Control on later: the stored fingerprint goes, none is sent.
    await page.goto(`${baseUrl}${TEST_PAGE}`)
    await page.waitForFunction(`document.documentElement.dataset.ready === 'true'`)
    expect(await page.evaluate<string | null>(`localStorage.getItem('device_fingerprint')`)).not.toBeNull()
    sent.length = 0
    const status = await page.evaluate(async () => {
      Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true })
      const lp = window.linkprint!
      lp.grantConsent()
      return (await lp.fetch('/api/visitor/identity')).status
    })
    expect(status).toBe(200)
    expect(await page.evaluate<string | null>(`localStorage.getItem('device_fingerprint')`)).toBeNull()
    expect(sent.find((r) => r.path === '/api/visitor/identity')?.headers).not.toHaveProperty('x-device-fingerprint')
  })

  it('recovers a lost token through the SDK\'s fetch wrapper (seed 000, case 2)', { timeout: 120_000 }, async () => {
    const { baseUrl } = await start()
    chromium = await launchChromium()
    const context = await chromiumContext(chromium)
    const page = await context.newPage()
    await page.goto(`${baseUrl}${TEST_PAGE}`)
    await page.waitForFunction(`document.documentElement.dataset.ready === 'true'`)
    const login = await page.evaluate(async () => {
      const lp = window.linkprint!
      lp.grantConsent()
      const res = await lp.login('admin@example.com', 'correct horse battery')
      return { status: res.status, token: lp.token !== null, sessionId: lp.sessionId }
    })
    expect(login).toMatchObject({ status: 200, token: true })
    expect(login.sessionId).toMatch(HASH)

    // A new tab: sessionStorage (the token) is per tab, localStorage (the session id) is not.
    const tab = await context.newPage()
    const sent: Array<{ path: string; headers: Record<string, string> }> = []
    tab.on('request', (r) => { if (r.url().startsWith(baseUrl)) sent.push({ path: new URL(r.url()).pathname, headers: r.headers() }) })
    await tab.goto(`${baseUrl}${TEST_PAGE}`)
    await tab.waitForFunction(`document.documentElement.dataset.ready === 'true'`)
    const me = await tab.evaluate(async () => {
      const lp = window.linkprint!
      lp.grantConsent()
      const before = lp.token
      const res = await lp.fetch('/api/auth/me')
      return { before, status: res.status, body: await res.json(), token: sessionStorage.getItem('linkprint_token') !== null, sessionId: lp.sessionId }
    })
    expect(me).toMatchObject({ before: null, status: 200, body: { email: 'admin@example.com', isAdmin: true, via: 'access_token' }, token: true })
    // Rotated on recovery, and stored for the next one.
    expect(me.sessionId).toMatch(HASH)
    expect(me.sessionId).not.toBe(login.sessionId)

    const calls = sent.filter((r) => r.path.startsWith('/api/auth/'))
    expect(calls.map((r) => r.path)).toEqual(['/api/auth/me', '/api/auth/recover', '/api/auth/me'])
    // Without a token: fingerprint and session id. Recovery: the same. With the token: Authorization alone.
    expect(calls[0]!.headers).toMatchObject({ 'x-session-id': login.sessionId, 'x-device-fingerprint': expect.stringMatching(SDK_HASH) })
    expect(calls[0]!.headers).not.toHaveProperty('authorization')
    expect(calls[1]!.headers).toMatchObject({ 'x-session-id': login.sessionId, 'x-device-fingerprint': expect.stringMatching(SDK_HASH) })
    expect(calls[2]!.headers.authorization).toMatch(/^Bearer /)
    expect(calls[2]!.headers).not.toHaveProperty('x-device-fingerprint')
    expect(calls[2]!.headers).not.toHaveProperty('x-session-id')

    // A 401 that is another route's own refusal (no visitor cookie) is not a lost token:
    // no recovery, and the token stays.
    sent.length = 0
    await context.clearCookies()
    const refused = await tab.evaluate(async () => {
      const lp = window.linkprint!
      const res = await lp.fetch('/api/visitor/data')
      return { status: res.status, body: await res.json(), token: lp.token !== null }
    })
    expect(refused).toMatchObject({ status: 401, body: { error: { code: 'VISITOR_COOKIE_MISSING' } }, token: true })
    expect(sent.map((r) => r.path)).toEqual(['/api/visitor/data'])
  })

  it('makes the same hashes without crypto.subtle, on plain http to a name that is not localhost (as in a LAN)', { timeout: 120_000 }, async () => {
    const { baseUrl, port } = await start()
    // A host name other than localhost is not a secure context whatever it resolves to, so
    // this one, pointed at the loopback service, stands for a LAN address on any machine.
    chromium = await launchChromium(['--host-resolver-rules=MAP lan.linkprint.test 127.0.0.1'])
    const context = await chromiumContext(chromium)
    const hashesAt = async (origin: string) => {
      const page = await context.newPage()
      await page.goto(`${origin}${TEST_PAGE}`)
      await page.click('#consent')
      await page.waitForFunction(HASHES_SHOWN)
      const secure = await page.evaluate<{ secure: boolean; subtle: boolean }>(`({ secure: isSecureContext, subtle: !!(globalThis.crypto && crypto.subtle) })`)
      return { ...secure, ...(await page.evaluate<{ device: string; browser: string }>(READ_HASHES)) }
    }
    const loopback = await hashesAt(baseUrl)
    const lan = await hashesAt(`http://lan.linkprint.test:${port}`)
    expect(loopback).toMatchObject({ secure: true, subtle: true })
    expect(lan).toMatchObject({ secure: false, subtle: false })
    expect(lan.device).toBe(loopback.device)
    expect(lan.browser).toBe(loopback.browser)
  })
})
