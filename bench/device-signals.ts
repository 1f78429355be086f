/**
 * npx tsx bench/device-signals.ts [--runs 5] [--write docs/device-signals.md]
 *
 * Which signals survive a browser switch and a private window, and which tell devices
 * apart, measured in this machine's real browsers: Debian's Chromium (playwright-core) in
 * a persistent profile and in an incognito context, Firefox ESR (puppeteer-core over
 * WebDriver BiDi) in a normal profile and with private browsing on, then Chromium
 * emulating other devices (screen, DPR, touch, locale, time zone, cores, UA and UA-CH).
 * Each candidate is read once per fresh page load, timed in the page (median of --runs).
 * Prints a Markdown table; --write puts it between the markers of the given file.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { chromium, type BrowserContext, type BrowserContextOptions } from 'playwright-core'
import puppeteer, { type Page as FirefoxPage } from 'puppeteer-core'
import { bundleBrowserScripts } from '../src/sdk/browser-scripts.js'
import { CHROMIUM_PATH, FIREFOX_PATH } from '../test/helpers/test-browsers.js'

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '5' }, write: { type: 'string' } } })
const RUNS = Number(args.runs)

type Value = string | number | boolean | null
interface Candidates { values: Record<string, Value>; ms: Record<string, number> }
interface Sdk { ms: number; device?: string; browser?: string }
interface Measured { name: string; values: Record<string, Value>; ms: Record<string, number[]>; deviceMs: number[]; fingerprintMs: number[]; hashes: { device: string; browser: string } }

/** One real machine's screen, which all its browsers report: Firefox's headless default, given to Chromium too. */
const SCREEN = { width: 1366, height: 768 }

/** Other devices, as far as Chromium can emulate them (docs/device-signals.md says what it cannot). */
interface Emulated {
  name: string
  context: BrowserContextOptions
  cores: number
  platform: string
  metadata: { platform: string; platformVersion: string; architecture: string; model: string; mobile: boolean }
}
const CHROME_UA = (os: string) => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36`
const EMULATED: Emulated[] = [
  {
    name: 'phone (Android, Pixel-7-like)',
    context: { screen: { width: 412, height: 915 }, viewport: { width: 412, height: 839 }, deviceScaleFactor: 2.625, isMobile: true, hasTouch: true, locale: 'de-DE', timezoneId: 'Europe/Berlin', userAgent: CHROME_UA('Linux; Android 14; Pixel 7').replace('Safari', 'Mobile Safari') },
    cores: 8, platform: 'Linux armv81', metadata: { platform: 'Android', platformVersion: '14.0.0', architecture: '', model: 'Pixel 7', mobile: true },
  },
  {
    name: 'laptop (Windows, 1080p at 125 %)',
    context: { screen: { width: 1536, height: 864 }, viewport: { width: 1536, height: 730 }, deviceScaleFactor: 1.25, locale: 'en-GB', timezoneId: 'Europe/London', userAgent: CHROME_UA('Windows NT 10.0; Win64; x64') },
    cores: 8, platform: 'Win32', metadata: { platform: 'Windows', platformVersion: '15.0.0', architecture: 'x86', model: '', mobile: false },
  },
  {
    name: 'laptop (macOS, Retina)',
    context: { screen: { width: 1512, height: 982 }, viewport: { width: 1512, height: 860 }, deviceScaleFactor: 2, locale: 'fr-FR', timezoneId: 'Europe/Paris', userAgent: CHROME_UA('Macintosh; Intel Mac OS X 10_15_7') },
    cores: 10, platform: 'MacIntel', metadata: { platform: 'macOS', platformVersion: '15.1.0', architecture: 'arm', model: '', mobile: false },
  },
  {
    name: 'same OS and locale, other screen and cores',
    context: { screen: { width: 1920, height: 1080 }, viewport: { width: 1920, height: 960 } },
    cores: 4, platform: 'Linux x86_64', metadata: { platform: 'Linux', platformVersion: '6.1.0', architecture: 'x86', model: '', mobile: false },
  },
]

const here = fileURLToPath(new URL('.', import.meta.url))
const probe = (await build({ entryPoints: [join(here, 'device-signals/probe/candidate-signals.ts')], bundle: true, format: 'iife', platform: 'browser', target: ['es2020'], minify: true, write: false, logLevel: 'silent' })).outputFiles[0]!.text
const server = createServer((req, res) => {
  if (req.url === '/probe.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(probe)
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><meta charset="utf-8"><title>signals</title><script src="/probe.js"></script>')
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`

/** A fresh page load per reading, so every signal pays its first use as the bridge would. */
interface Loader { load(): Promise<void>; evaluate<T>(expression: string): Promise<T> }

async function measure(name: string, page: Loader): Promise<Measured> {
  const out: Measured = { name, values: {}, ms: {}, deviceMs: [], fingerprintMs: [], hashes: { device: '', browser: '' } }
  for (let run = 0; run < RUNS; run++) {
    await page.load()
    const c = await page.evaluate<Candidates>('probeCandidates()')
    if (run === 0) out.values = c.values
    for (const [k, v] of Object.entries(c.ms)) (out.ms[k] ??= []).push(v)
    for (const [k, v] of Object.entries(c.values)) if (JSON.stringify(v) !== JSON.stringify(out.values[k])) out.values[k] = `unstable: ${JSON.stringify(out.values[k])} then ${JSON.stringify(v)}`
    await page.load()
    out.deviceMs.push((await page.evaluate<Sdk>(`probeSdk('device')`)).ms)
    await page.load()
    const fp = await page.evaluate<Sdk>(`probeSdk('fingerprint')`)
    out.fingerprintMs.push(fp.ms)
    out.hashes = { device: fp.device!, browser: fp.browser! }
  }
  return out
}

function chromiumLoader(context: BrowserContext, setup?: (page: import('playwright-core').Page) => Promise<void>): Loader {
  let page: import('playwright-core').Page | undefined
  return {
    async load() {
      if (!page) {
        page = await context.newPage()
        await setup?.(page)
      }
      await page.goto(url)
    },
    evaluate: (expression) => page!.evaluate(expression),
  }
}

function firefoxLoader(page: FirefoxPage): Loader {
  return { load: async () => void (await page.goto(url)), evaluate: (expression) => page.evaluate(expression) as Promise<never> }
}

const results: Measured[] = []
const profile = await mkdtemp(join(tmpdir(), 'linkprint-signals-'))
try {
  // Chromium's normal window is a persistent profile; its incognito window is a fresh off-the-record context.
  const normal = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, args: ['--no-sandbox'], screen: SCREEN })
  results.push(await measure('Chromium', chromiumLoader(normal)))
  await normal.close()
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] })
  results.push(await measure('Chromium incognito', chromiumLoader(await browser.newContext({ screen: SCREEN }))))

  for (const [name, prefs] of [['Firefox', {}], ['Firefox private', { 'browser.privatebrowsing.autostart': true }]] as const) {
    const firefox = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX_PATH, protocol: 'webDriverBiDi', headless: true, extraPrefsFirefox: prefs })
    try {
      results.push(await measure(name, firefoxLoader(await firefox.newPage())))
    } finally {
      await firefox.close()
    }
  }

  for (const device of EMULATED) {
    const context = await browser.newContext(device.context)
    results.push(await measure(device.name, chromiumLoader(context, async (page) => {
      const cdp = await context.newCDPSession(page)
      await cdp.send('Emulation.setHardwareConcurrencyOverride', { hardwareConcurrency: device.cores })
      const ua = device.context.userAgent ?? (await page.evaluate<string>('navigator.userAgent'))
      await cdp.send('Emulation.setUserAgentOverride', {
        userAgent: ua, platform: device.platform, acceptLanguage: device.context.locale,
        userAgentMetadata: { ...device.metadata, brands: [{ brand: 'Chromium', version: '156' }], fullVersion: '156.0.0.0', bitness: '64' },
      })
    })))
    await context.close()
  }
  await browser.close()
} finally {
  server.close()
  await rm(profile, { recursive: true, force: true })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
const ms = (x: number) => (x < 0.1 ? '<0.1' : x.toFixed(1))
const machine = results.slice(0, 4)
const devices = [results[1]!, ...results.slice(4)]
const same = (rs: Measured[], k: string) => rs.every((r) => JSON.stringify(r.values[k]) === JSON.stringify(rs[0]!.values[k]))
const distinct = (rs: Measured[], k: string) => new Set(rs.map((r) => JSON.stringify(r.values[k]))).size

const lines: string[] = []
/** Where each candidate goes in SDK version 2: the device hash, the browser hash, or nowhere. */
const DEVICE = new Set(['screen', 'devicePixelRatio', 'timezone', 'os', 'language', 'cores, tiered', 'touch, yes/no'])
const READ = new Set(['cores', 'touchPoints'])
const BROWSER = new Set(['userAgent', 'vendor', 'languages', 'plugins', 'pdfViewer', 'canvas', 'pointer', 'hover'])
const use = (k: string) => (DEVICE.has(k) ? 'device' : READ.has(k) ? 'read, then folded' : BROWSER.has(k) ? 'browser' : '–')
lines.push(`| signal | SDK v2 | same in the 4 contexts of this machine | distinct values, this machine + ${EMULATED.length} emulated devices | ms Chromium | ms Firefox |`)
lines.push('|---|---|---|---|---|---|')
for (const k of Object.keys(results[0]!.values)) {
  const stable = same(machine, k)
  const diff = stable ? 'yes' : `no (${machine.filter((r) => JSON.stringify(r.values[k]) !== JSON.stringify(machine[0]!.values[k])).map((r) => r.name).join(', ')} differ)`
  lines.push(`| \`${k}\` | ${use(k)} | ${diff} | ${distinct(devices, k)} | ${ms(median(results[0]!.ms[k]!))} | ${ms(median(results[2]!.ms[k]!))} |`)
}
const sdkSizes = await bundleBrowserScripts(fileURLToPath(new URL('../src/sdk/browser/', import.meta.url)))
const sdkGzip = gzipSync(sdkSizes.sdk, { level: 9 }).length
lines.push('')
lines.push('| context | SDK device signals ms | SDK both hashes ms | device hash | browser hash |')
lines.push('|---|---|---|---|---|')
for (const r of results) lines.push(`| ${r.name} | ${ms(median(r.deviceMs))} | ${ms(median(r.fingerprintMs))} | \`${r.hashes.device.slice(0, 12)}…\` | \`${r.hashes.browser.slice(0, 12)}…\` |`)
lines.push('')
lines.push(`SDK bundle (\`/sdk/linkprint.js\`): ${sdkSizes.sdk.length} bytes, ${sdkGzip} bytes gzip. Times are in-page \`performance.now()\` medians of ${RUNS} fresh page loads on a shared 2-core machine; read them as orders of magnitude.`)
const table = lines.join('\n')

const raw = results.map((r) => ({ name: r.name, values: r.values, hashes: r.hashes }))
console.log(table)
console.log('\nValues per context:\n' + JSON.stringify(raw, null, 1))
if (args.write) {
  const doc = await readFile(args.write, 'utf8')
  const start = '<!-- measured:start -->'
  const end = '<!-- measured:end -->'
  if (!doc.includes(start) || !doc.includes(end)) throw new Error(`${args.write} has no ${start} … ${end} markers`)
  await writeFile(args.write, doc.slice(0, doc.indexOf(start) + start.length) + '\n' + table + '\n' + doc.slice(doc.indexOf(end)))
}
