import { barChartSvg } from './bar-chart-svg.js'
import type { Score } from './score.js'
import { formatRow, HEADER } from './score.js'
import type { RedirectMode, SimulationMeta } from './simulate.js'
import { targets } from './targets.js'
import { ceilingRows, type Explanation } from './explain.js'

export interface RunResult {
  profile: string
  sdkShare: number
  /** `bridge` for REDIRECT_MODE=bridge runs (traffic-setting.ts); absent for direct mode */
  redirectMode?: RedirectMode
  meta: SimulationMeta
  /** linkprint's score, or why it could not be run */
  linkprint: Score | { error: string }
  baselines: Score[]
  /** What linkers restricted to the events reach (explain.ts), beside linkprint. */
  ceilings?: Explanation['ceilings']
}

const COLORS = { withSdk: '#2b6cb0', plain: '#dd8833', bridge: '#2f855a' }

const isBridge = (r: RunResult) => r.redirectMode === 'bridge'

/** How a run is named in tables: `SDK share 0.8`, `SDK share 0`, `bridge`. */
export function settingLabel(r: RunResult): string {
  return isBridge(r) ? 'bridge' : `SDK share ${r.sdkShare}`
}

/** The chart of one profile: device-count error and device F1 for every method, SDK 0.8 beside SDK 0 and the bridge. */
export function profileChart(profile: string, runs: readonly RunResult[]): string {
  const withSdk = runs.find((r) => !isBridge(r) && r.sdkShare >= 0.5)
  const plain = runs.find((r) => !isBridge(r) && r.sdkShare < 0.5)
  const bridge = runs.find(isBridge)
  const methods = ['linkprint', ...(runs[0]?.baselines.map((b) => b.method) ?? [])]
  const pick = (r: RunResult | undefined, m: string): Score | undefined => {
    if (!r) return undefined
    if (m === 'linkprint') return 'error' in r.linkprint ? undefined : r.linkprint
    return r.baselines.find((b) => b.method === m)
  }
  const rowsFor = (f: (s: Score) => number) => methods.map((m) => ({ label: m, values: [withSdk, plain, ...(bridge ? [bridge] : [])].map((r) => { const s = pick(r, m); return s ? f(s) : null }) }))
  const countRows = rowsFor((s) => Math.abs(s.deviceCount.total))
  const worst = Math.max(0.1, ...countRows.flatMap((r) => r.values.filter((v): v is number => v !== null)))
  // A multiple of 0.2, so that the four grid steps are round percentages.
  const countMax = Math.ceil(worst * 5) / 5
  return barChartSvg({
    title: `linkprint accuracy benchmark — profile "${profile}"`,
    series: [
      { name: `SDK share ${withSdk?.sdkShare ?? 0.8}`, color: COLORS.withSdk },
      { name: `SDK share ${plain?.sdkShare ?? 0} (plain redirects)`, color: COLORS.plain },
      ...(bridge ? [{ name: 'bridge (signals on first contact)', color: COLORS.bridge }] : []),
    ],
    panels: [
      {
        title: 'device-count error, total (|%|, lower is better)',
        format: (v) => `${(v * 100).toFixed(0)}%`,
        max: countMax,
        targets: [{ value: 0.03, label: '3% (SDK)', color: COLORS.withSdk }, { value: 0.06, label: '6% (plain)', color: COLORS.plain }],
        rows: countRows,
      },
      {
        title: 'device B-cubed F1 (higher is better)',
        format: (v) => v.toFixed(2),
        max: 1,
        targets: [{ value: 0.9, label: '0.90 (plain)', color: COLORS.plain }, { value: 0.95, label: '0.95 (SDK)', color: COLORS.withSdk }],
        rows: rowsFor((s) => s.device.f1),
      },
      { title: 'browser B-cubed F1 (higher is better)', format: (v) => v.toFixed(2), max: 1, targets: [{ value: 0.95, label: '0.95 (SDK)', color: COLORS.withSdk }], rows: rowsFor((s) => s.browser.f1) },
    ],
  })
}

export function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows
  if (!head) return ''
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n')
}

export function runRows(r: RunResult): string[][] {
  const rows: string[][] = [HEADER.slice()]
  if ('error' in r.linkprint) rows.push(['linkprint', `not available (${r.linkprint.error})`, '—', '—', '—', '—', '—'])
  else rows.push(formatRow(r.linkprint))
  for (const b of r.baselines) rows.push(formatRow(b))
  return rows
}

/** Device-count error (total, signed) by link kind: which audience breaks the count. */
export function kindRows(r: RunResult): string[][] {
  const scores = ['error' in r.linkprint ? undefined : r.linkprint, ...r.baselines].filter((s): s is Score => s !== undefined && s.byKind !== undefined)
  const kinds = [...new Set(scores.flatMap((s) => Object.keys(s.byKind ?? {})))].sort()
  if (kinds.length === 0) return []
  const counts = scores[0]?.byKind ?? {}
  const head = ['method', ...kinds.map((k) => `${k} (${counts[k]?.links ?? 0} links)`)]
  return [head, ...scores.map((s) => [s.method, ...kinds.map((k) => { const v = s.byKind?.[k]; return v ? `${v.total >= 0 ? '+' : ''}${(v.total * 100).toFixed(1)}%` : '—' })])]
}

export function targetLine(r: RunResult): string {
  if ('error' in r.linkprint) return 'targets: — (linkprint not available)'
  const trustTheHash = r.baselines.find((b) => b.method === 'sdk-hash+cookie')
  const t = targets(r.linkprint, r.sdkShare, r.redirectMode ?? 'direct', trustTheHash)
  return `targets: ${t.map((x) => `${x.pass ? 'PASS' : 'FAIL'} ${x.name} (${x.actual})`).join('; ')}`
}

/** linkprint in direct mode (plain, SDK 0.8) beside the bridge, per profile, with the trust-the-device-hash baseline of the bridge run. */
function summarySection(results: readonly RunResult[]): string {
  const profiles = [...new Set(results.map((r) => r.profile))]
  const direct = (p: string, sdk: boolean) => results.find((r) => r.profile === p && !isBridge(r) && r.sdkShare >= 0.5 === sdk)
  const bridge = (p: string) => results.find((r) => r.profile === p && isBridge(r))
  if (!profiles.some(bridge)) return ''
  const cell = (s: Score | undefined) => (s ? `${(s.deviceCount.mape * 100).toFixed(1)}% / ${s.deviceCount.total >= 0 ? '+' : ''}${(s.deviceCount.total * 100).toFixed(1)}% / ${s.device.f1.toFixed(3)}` : '—')
  const ours = (r: RunResult | undefined) => (r && !('error' in r.linkprint) ? r.linkprint : undefined)
  const rows = profiles.map((p) => [p, cell(ours(direct(p, false))), cell(ours(direct(p, true))), cell(ours(bridge(p))), cell(bridge(p)?.baselines.find((b) => b.method === 'sdk-hash+cookie'))])
  return ['## Direct mode and the bridge', '', 'linkprint\'s device-count MAPE / total error / device F1:', '', markdownTable([['profile', 'direct, plain redirects', 'direct, SDK share 0.8', 'bridge', 'bridge, trusting the device hash'], ...rows]), ''].join('\n')
}

function metaLine(m: SimulationMeta): string {
  const c = m.counts
  return `${c.clicks} clicks (${c.human} human, ${c.bot} bot) from ${c.persons} people over ${m.days} days; ${c.devicesThatClicked} devices and ${c.installsThatClicked} browser installs clicked; SDK headers on ${(c.sdkClicks * 100).toFixed(0)}% of human clicks; ${(c.privateClicks * 100).toFixed(1)}% private-window clicks; ${c.clicksOnTwinDevices} human clicks from devices with an identical twin; ${c.sdkDevicesSharingAFingerprint} of ${c.sdkDevices} SDK devices share their device fingerprint with another device; ${c.ipsPerDevice} IPs per device, ${c.devicesPerIp} devices per IP, ${c.jarsPerInstall} cookie jars per browser install.`
}

/** docs/accuracy.md */
export function accuracyReport(results: readonly RunResult[], opts: { seed: string; chartDir: string; command: string }): string {
  const profiles = [...new Set(results.map((r) => r.profile))]
  const lines: string[] = []
  lines.push('# Accuracy: unique visitors against ground truth')
  lines.push('')
  lines.push(`Generated by \`${opts.command}\` (seed ${opts.seed}); rerun it to refresh. The simulator, the scorer and the baselines live in \`bench/accuracy/\`; the traffic files are written to \`bench/out/\` (not committed).`)
  lines.push('')
  lines.push('## How to run')
  lines.push('')
  lines.push('```sh')
  lines.push('npm run bench:accuracy                 # all profiles × {SDK share 0.8, SDK share 0, bridge}; rewrites this page and its charts')
  lines.push('npm run bench:accuracy -- --quick      # smaller worlds, a few seconds; prints only')
  lines.push('npx tsx bench/accuracy/simulate.ts --profile office --seed 7 --sdk-share 0.8 --people 500 --days 28 --out bench/out/x')
  lines.push('npx tsx bench/accuracy/simulate.ts --profile office --seed 7 --sdk-share 0 --redirect-mode bridge --out bench/out/y')
  lines.push('npx tsx bench/accuracy/score.ts --events bench/out/x/events.ndjson --truth bench/out/x/truth.ndjson --decisions decisions.ndjson')
  lines.push('npx tsx bench/accuracy/bot-variants.ts --profiles mixed,office,mobile,household --shares 0,0.8 --docs docs/bot-worlds.md   # bot detection in every bot world')
  lines.push('```')
  lines.push('')
  lines.push('Other flags of `run.ts`: `--seed N`, `--profiles a,b`, `--shares 0.8,0,bridge`, `--bots WORLD`, `--no-linkprint`, `--no-build`, `--out DIR`, `--docs FILE`. linkprint runs as `node bin/linkprint.js replay <events> --decisions <out>` on a fresh SQLite file (`DATABASE_URL=sqlite:<tmp>`), after `tsc -p tsconfig.build.json`.')
  lines.push('')
  lines.push('## What is measured')
  lines.push('')
  lines.push('A seeded simulator generates traffic with known truth — person → devices → browser installs → private windows — in the replay format of DESIGN.md, and `linkprint replay --decisions` runs it through the same pipeline as the server. On **human clicks** (truth `bot=false`):')
  lines.push('')
  lines.push('- **dev MAPE**: per link, |distinct predicted device ids − distinct true devices| / true, averaged over links. **dev total**: (Σ predicted − Σ true) / Σ true over links; positive = over-counting.')
  lines.push('- **device P/R/F1**: B-cubed precision/recall/F1 of device ids against true devices; **browser P/R/F1** the same for browser ids against true browser installs (an in-app browser is its own install; a private window belongs to its install).')
  lines.push('- **calib ECE**: of the clicks attributed to an already-seen device id, bucketed by confidence decile, the share whose true device is the one most earlier clicks of that id came from; ECE = Σ (n_b/N)·|accuracy_b − confidence_b|.')
  lines.push('')
  lines.push('On **all clicks**: **bot P/R**, precision and recall of the bot flag. Baselines are computed from the same events: cookie-only (one id per cookie jar), SDK hash with cookie fallback, Dub (sha256(ip-ua) per link, 1 h), Plausible (daily-salted hash of ip+ua), Umami (monthly-salted), the seed\'s naive device hash (ip + timezone + language + OS) and IP-only. Baselines flag bots with `isbot` on the user agent, as the peers do.')
  lines.push('')
  lines.push('**Direct and bridge.** With `REDIRECT_MODE=direct` a click carries the SDK\'s signals only where the SDK ran on the customer\'s own pages (the SDK share; 0 is plain redirects, every ordinary click on a link in mail, chat or social apps). With `REDIRECT_MODE=bridge` the first click of every new browser context (no cookie yet: a new browser or in-app view, a private window, cleared or purged cookies) gets the bridge page, whose script sends the same signals with the click; requests with DNT or GPC get the plain redirect, and so do installs whose blocker stops fingerprinting scripts (as with the SDK); returning browsers click plain. The bridge runs here have no SDK elsewhere (SDK share 0).')
  lines.push('')
  lines.push('Targets (issue #4), on every profile: SDK share 0.8 — device-count error ≤ 3 %, device F1 ≥ 0.95, browser F1 ≥ 0.95; SDK share 0 — device-count error ≤ 6 %, device F1 ≥ 0.90; bots — recall ≥ 0.95 at precision ≥ 0.99. With the bridge (issue #11): device-count MAPE ≤ 4 % and device F1 ≥ 0.95 on mixed, office and household, never worse than trusting the device hash (the sdk-hash+cookie baseline), bots as above.')
  lines.push('')
  lines.push(summarySection(results))
  const withCeilings = results.filter((r) => r.ceilings && !('error' in r.linkprint))
  if (withCeilings.length > 0) {
    lines.push('## Where the ceiling lies')
    lines.push('')
    lines.push('The targets are beyond what the events allow. `npm run bench:explain` attributes every split device to the kind of storage context that split it and the evidence the events hold between the pieces, measures each rule and candidate rule family, and computes linkers that merge only what the truth says they may (precision 1): joining every cookie jar of each browser install and nothing else; joining every context that shares any address, network or SDK hash with the rest of its device — the most any linker of these signals could join, knowing who is who among look-alikes; and joining only on evidence that singles the device out (a hash no other device sent, an address or network no other device of that OS and type used within a week) — knowing the future, as an online linker cannot. Device-count error (total) and device F1:')
    lines.push('')
    const pick = (r: RunResult, k: string) => r.ceilings?.[k]
    const cell = (x: { countTotal: number; f1: number } | undefined) => (x ? `${x.countTotal >= 0 ? '+' : ''}${(x.countTotal * 100).toFixed(1)}% / ${x.f1.toFixed(3)}` : '—')
    lines.push(markdownTable([
      ['profile, setting', 'linkprint', 'every jar of an install', 'singled-out evidence', 'any shared evidence'],
      ...withCeilings.map((r) => [`${r.profile}, ${isBridge(r) ? 'bridge' : r.sdkShare}`, cell(pick(r, 'linkprint')), cell(pick(r, 'every jar of an install joined')), cell(pick(r, 'evidence that singles the device out')), cell(pick(r, 'any shared address, network or SDK hash'))]),
    ]))
    lines.push('')
    lines.push('What stands in the way: contexts that share nothing with the rest of their device (another browser or an in-app view used only on other networks; on the evergreen links, visits weeks apart); DNT and Global Privacy Control sessions, which are never linked by the privacy rule (a new visitor every UTC day); and look-alikes — most new storage contexts on an address are another person\'s device of the same kind (family members\' phones of one OS, colleagues\' identical laptops), so address evidence, even when only one device of that kind was seen there, is right 30–80 % of the time; the SDK\'s device hash names a kind of device (most devices share theirs), and identical units share the browser hash too.')
    lines.push('')
  }
  for (const p of profiles) {
    const runs = results.filter((r) => r.profile === p)
    lines.push(`## Profile \`${p}\``)
    lines.push('')
    lines.push(`![${p}](${opts.chartDir}/${p}.svg)`)
    lines.push('')
    for (const r of runs) {
      lines.push(`### ${p}, ${settingLabel(r)}`)
      lines.push('')
      lines.push(metaLine(r.meta))
      lines.push('')
      lines.push(markdownTable(runRows(r)))
      lines.push('')
      lines.push(targetLine(r))
      lines.push('')
      if (r.ceilings) {
        lines.push('<details><summary>where the ceiling lies: linkers restricted to the events (npm run bench:explain for the diagnosis)</summary>')
        lines.push('')
        lines.push(markdownTable(ceilingRows(r.ceilings)))
        lines.push('')
        lines.push('</details>')
        lines.push('')
      }
      const kinds = kindRows(r)
      if (kinds.length > 0) {
        lines.push('<details><summary>device-count error (total) by link kind</summary>')
        lines.push('')
        lines.push(markdownTable(kinds))
        lines.push('')
        lines.push('</details>')
        lines.push('')
      }
    }
  }
  lines.push('## What the simulator makes stable and unstable')
  lines.push('')
  lines.push(STABILITY_NOTES)
  return lines.join('\n') + '\n'
}

export const STABILITY_NOTES = `Parameters and their sources are commented in \`bench/accuracy/*.ts\`. In short:

- **Stable per device**: screen (CSS px and DPR), core count, GPU string, OS languages, OS family. The SDK's device hash is what \`src/sdk/browser/device-signals.ts\` reads — screen size, colour depth, time zone, cores, OS family, primary language, touch points — the same in every browser of a device for ~91 % of installs (\`DEVICE_SIGNAL_STABILITY\`); it names a kind of device (every iPhone of one screen size in one country hashes alike: ~82 % of SDK devices share theirs). Both SDK hashes are kept in localStorage (seed 000) and made again when the storage is cleared or the user agent changes (an update), as the SDK does.
- **Identical across devices**: phones of one model and OS version (families buy them together), laptops of one office image (updated in lockstep by IT) — same UA, same Accept-Language, same SDK hashes, the browser hash too unless the unit renders uniquely (canvas and WebGL over fonts and GPU driver: \`UNIQUE_SHARE\`, 18.5 % of phones, ~45–50 % of personal computers, 5 % of managed laptops, after Gómez-Boix et al. 2018 and adF 2023). Chrome's reduced UA hides the Android model ("Android 10; K") and the Windows version.
- **Unstable per browser**: the UA version (Chrome/Firefox every 4 weeks, Safari with iOS point releases, app builds weekly), with a per-install update lag; the cookie jar (cleared by hand by ~30 %/month on desktop, at every exit by a few %, fresh in every private window, and on WebKit purged at every hourly removal pass once Safari's tracking prevention has classified the shortener as a bounce tracker — after it redirected that install to more than 3 sites, WebKit's own rule); the SDK browser hash (randomised per private session in Firefox/Safari, per computation in Safari 26+, per session in Brave; Chrome incognito draws as the normal window does).
- **Networks**: home IPv4 renumbered daily (forced reconnects) or every few days (to a different /24 three times out of four); IPv6 homes keep their /64 (on some ISPs it rotates with the IPv4) while privacy addresses rotate daily per device; offices leave by 1–2 addresses for hundreds of devices (guest Wi-Fi and VPN in the same /24); phones on carrier-grade NAT change address every few hours and share it with strangers; one carrier is IPv6-first (a /64 per phone per data session); commercial VPN exits and hotel/café Wi-Fi are shared; managed laptops at home may tunnel through the office.
- **Headers that differ by browser on one device**: Accept, Accept-Encoding, Accept-Language formatting (Chromium "it-IT,it;q=0.9", Firefox even q steps, Safari primary only), Sec-CH-UA brands (GREASE changes with the major), Sec-GPC (Brave, Firefox private), DNT (never from WebKit or app WebViews), X-Requested-With (Android WebViews), and in-app UAs that add app version, model and locale.
- **Bots**: link previews built on the sender's phone (WhatsApp, Signal, iMessage — same address as the family's router), server-side previews (Telegram, Slack, Teams, Meta, X, LinkedIn, Discord), secure email gateways that fetch every newsletter link for every mailbox within seconds from datacenter ranges with ordinary browser UAs (and Safe Links again at click time), crawlers, tools with HEAD, and scrapers with a complete desktop Chrome header set from cloud addresses. Other readings of the same sources — small companies, scanners spread over their vendors' ranges or the cloud, scan sessions that keep their cookie, current Chrome header sets, slower or HEAD-first scans, time-of-click checks by every gateway, more preview fetchers, people clicking within minutes of a send — are the bot worlds of \`bench/accuracy/bot-world.ts\` (\`--bots WORLD\`; \`bench/accuracy/bot-variants.ts\` scores linkprint in all of them).`
