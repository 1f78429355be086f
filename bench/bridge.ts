/**
 * npx tsx bench/bridge.ts [-- --runs 7 --visits 2000]
 *
 * The first-contact bridge (docs/bridge.md), three figures:
 * 1. the page's size, as sent and gzip-compressed (the budget: 4 KB gzip, script included);
 * 2. its script's own time to navigation in headless Chromium and Firefox, from the page's
 *    performance marks (`linkprint-bridge-start` → `-signals` → `-navigate`), each run a new
 *    browser context with nothing stored, median of the runs (the navigate mark includes the
 *    page's click's round trip to this local service);
 * 3. the service's CPU per visit, bridge against plain, measured in the same process and run,
 *    alternating: a new browser's plain 302 (a link in direct mode), against the bridge page plus its click (JSON,
 *    with the SDK's headers and the token). CPU time of this process (process.cpuUsage), so
 *    the machine's other load does not count; app.inject's own cost is in both.
 */
import { gzipSync } from 'node:zlib'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import { bearer, startTestService } from '../test/helpers/test-service.js'
import { launchChromium, launchFirefox } from '../test/helpers/test-browsers.js'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, visits: { type: 'string', default: '2000' } } })
const runs = Number(values.runs)
const visits = Number(values.visits)
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
const NAVIGATION = { 'user-agent': FIREFOX, accept: 'text/html,application/xhtml+xml,*/*;q=0.8', 'accept-language': 'it-IT,it;q=0.9', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }
const SDK = { 'x-device-fingerprint': 'D'.repeat(43), 'x-browser-fingerprint': 'B'.repeat(43), 'x-timezone': 'Europe/Rome' }
/** Reports the page's marks through the console the moment the page says it navigates (the page is gone right after). */
const REPORT_MARKS = `(() => { const mark = performance.mark.bind(performance); performance.mark = (name, options) => { const m = mark(name, options); if (name === 'linkprint-bridge-navigate') { const at = (n) => performance.getEntriesByName(n)[0]?.startTime; console.log('bridge-marks ' + JSON.stringify({ signals: at('linkprint-bridge-signals') - at('linkprint-bridge-start'), navigate: at('linkprint-bridge-navigate') - at('linkprint-bridge-start') })) } return m } })()`

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const ms = (x: number) => `${x.toFixed(1)} ms`

const svc = await startTestService('sqlite', { PRIVACY_MODE: 'full', REDIRECT_MODE: 'bridge', GEOIP_DB: 'off', LOG_LEVEL: 'error' })
try {
  await svc.app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(svc.app.server.address() as AddressInfo).port}`
  await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: `${base}/healthz`, slug: 'b' } })
  // The baseline: the same link in direct mode, the same new browser's navigation.
  await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: `${base}/healthz`, slug: 'p', redirectMode: 'direct' } })

  // 1. Size.
  const page = await svc.app.inject({ url: '/b', headers: NAVIGATION })
  console.log(`page: ${page.body.length} B, ${gzipSync(page.body).length} B gzip (status ${page.statusCode})`)

  // 2. Script time, in both browsers.
  type Marks = { signals: number; navigate: number }
  const chromiumMarks: Marks[] = []
  const chromium = await launchChromium()
  try {
    const ua = (await (await chromium.newPage()).evaluate<string>('navigator.userAgent')).replace('HeadlessChrome', 'Chrome')
    for (let i = 0; i < runs; i++) {
      const context = await chromium.newContext({ userAgent: ua })
      await context.addInitScript(REPORT_MARKS)
      const tab = await context.newPage()
      const marks = new Promise<Marks>((resolve) => tab.on('console', (m) => { if (m.text().startsWith('bridge-marks ')) resolve(JSON.parse(m.text().slice(13))) }))
      await tab.goto(`${base}/b`, { waitUntil: 'commit' })
      chromiumMarks.push(await marks)
      await tab.waitForURL(`${base}/healthz`)
      await context.close()
    }
  } finally {
    await chromium.close()
  }
  const firefoxMarks: Marks[] = []
  const firefox = await launchFirefox()
  try {
    for (let i = 0; i < runs; i++) {
      const context = await firefox.createBrowserContext()
      const tab = await context.newPage()
      await tab.evaluateOnNewDocument(REPORT_MARKS)
      const marks = new Promise<Marks>((resolve) => tab.on('console', (m) => { if (m.text().startsWith('bridge-marks ')) resolve(JSON.parse(m.text().slice(13))) }))
      void tab.goto(`${base}/b`).catch(() => undefined)
      firefoxMarks.push(await marks)
      await context.close()
    }
  } finally {
    await firefox.close()
  }
  for (const [name, marks] of [['Chromium', chromiumMarks], ['Firefox', firefoxMarks]] as const) {
    console.log(`${name}: signals ${ms(median(marks.map((m) => m.signals)))}, navigation ${ms(median(marks.map((m) => m.navigate)))} (medians of ${marks.length}; first run ${ms(marks[0]!.signals)} / ${ms(marks[0]!.navigate)})`)
  }

  // 3. CPU per visit, alternating rounds.
  const cpu = () => { const u = process.cpuUsage(); return u.user + u.system }
  const plainUs: number[] = []
  const bridgeUs: number[] = []
  for (let round = 0; round < 3; round++) {
    let t = cpu()
    for (let i = 0; i < visits; i++) await svc.app.inject({ url: '/p', headers: NAVIGATION })
    plainUs.push((cpu() - t) / visits)
    t = cpu()
    for (let i = 0; i < visits; i++) {
      const res = await svc.app.inject({ url: '/b', headers: NAVIGATION })
      const token = /\?bridge=([A-Za-z0-9._-]+)"/.exec(res.body)![1]
      await svc.app.inject({ url: `/b?bridge=${token}`, headers: { ...NAVIGATION, accept: 'application/json', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', ...SDK } })
    }
    bridgeUs.push((cpu() - t) / visits)
    await svc.linkprint.writer.flush()
  }
  console.log(`CPU per visit (this process, app.inject): plain 302 ${median(plainUs).toFixed(0)} µs, bridge page + its click ${median(bridgeUs).toFixed(0)} µs, ${(median(bridgeUs) / median(plainUs)).toFixed(2)}× (medians of 3 alternating rounds of ${visits})`)
} finally {
  await svc.close()
}
