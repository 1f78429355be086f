import type { Browser as ChromiumBrowser, BrowserContext, BrowserContextOptions, Page as ChromiumPage } from 'playwright-core'
import type { Page as FirefoxPage } from 'puppeteer-core'
import { expect, vi } from 'vitest'

/** What the browsers of one real device share: its one screen. */
export const SCREEN = { width: 1366, height: 768 }

/** Headless Chromium says "HeadlessChrome", which is rightly a bot; a person's says "Chrome". */
export async function personContext(browser: ChromiumBrowser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const probe = await browser.newPage()
  const userAgent = (await probe.evaluate<string>('navigator.userAgent')).replace('HeadlessChrome', 'Chrome')
  await probe.close()
  return browser.newContext({ screen: SCREEN, viewport: { width: 1280, height: 680 }, userAgent, ...options })
}

/** A person on page `before` follows the short link: the navigation, then wherever it ends. */
export async function followInChromium(page: ChromiumPage, from: string, shortUrl: string, target: string): Promise<void> {
  await page.goto(from)
  await page.goto(shortUrl, { waitUntil: 'commit' })
  await page.waitForURL(target)
}

export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  await vi.waitFor(async () => expect(await condition(), what).toBe(true), { timeout: timeoutMs, interval: 25 })
}

export async function followInFirefox(page: FirefoxPage, from: string, shortUrl: string, target: string): Promise<void> {
  await page.goto(from)
  // The page replaces itself while puppeteer may still be waiting for its load: where it ends is what counts.
  await page.goto(shortUrl, { waitUntil: 'domcontentloaded' }).catch(() => undefined)
  await until(() => page.url() === target, `Firefox at ${target}, not ${page.url()}`)
}

/**
 * The page waits at most 150 ms for the SDK's signals. A person's browser draws its canvas
 * and WebGL context well within that; on this machine, two cores shared with other test
 * runs, a fresh headless browser takes 100–250 ms. Tests that check what the signals do
 * give that one timer room, as a faster machine would; the deadline itself has its own
 * cases (signals that never come).
 */
export const ROOM_FOR_SIGNALS = `(() => { const t = window.setTimeout; window.setTimeout = (f, ms, ...a) => t(f, ms === 150 ? 5000 : ms, ...a) })()`

