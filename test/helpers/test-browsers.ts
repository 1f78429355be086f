import { existsSync } from 'node:fs'
import { chromium, type Browser as ChromiumBrowser } from 'playwright-core'
import puppeteer, { type Browser as FirefoxBrowser } from 'puppeteer-core'

/**
 * Debian's browsers (docs/development.md): Chromium driven by playwright-core, Firefox ESR by
 * puppeteer-core over WebDriver BiDi. Nothing here downloads a browser.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr'

/**
 * Browser suites run when the browsers are installed, and always under CI=true, where a
 * missing browser must fail the run (launching throws) rather than skip it. Elsewhere the
 * skip shows in the summary.
 */
export function shouldRunBrowsers(): boolean {
  return process.env.CI === 'true' || (existsSync(CHROMIUM_PATH) && existsSync(FIREFOX_PATH))
}

/** `args`: more command-line switches (e.g. `--host-resolver-rules`). */
export async function launchChromium(args: readonly string[] = []): Promise<ChromiumBrowser> {
  // --no-sandbox: CI runs as root, where Chromium refuses its sandbox.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', ...args] })
}

/** `prefs`: Firefox preferences for this profile (e.g. `privacy.globalprivacycontrol.enabled`). */
export async function launchFirefox(prefs?: Record<string, unknown>): Promise<FirefoxBrowser> {
  return puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX_PATH, protocol: 'webDriverBiDi', headless: true, ...(prefs ? { extraPrefsFirefox: prefs } : {}) })
}
