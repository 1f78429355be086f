import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { BCubed } from './b-cubed.js'
import { bCubed } from './b-cubed.js'
import { baselines } from './baselines.js'
import type { BotAccuracy } from './bot-accuracy.js'
import { botAccuracy } from './bot-accuracy.js'
import type { Calibration } from './calibration.js'
import { calibration } from './calibration.js'
import type { CountError } from './device-count-error.js'
import { deviceCountError } from './device-count-error.js'
import { ndjson } from './ndjson.js'
import type { ClickLine, Decision, ReplayLine, TruthLine } from './types.js'

export interface Score {
  method: string
  /** clicks with a decision / all clicks (a missing decision counts as a singleton, non-bot) */
  coverage: number
  humanClicks: number
  deviceCount: Omit<CountError, 'perLink'> & { perLink?: CountError['perLink'] }
  /** the device-count error per link kind, when kinds are given (diagnosis: which audience breaks the count) */
  byKind?: Record<string, { links: number; mape: number; total: number }>
  device: BCubed
  browser: BCubed
  bot: BotAccuracy
  calibration: Calibration
}

/**
 * Scores one method's decisions against the truth: on human clicks, the
 * device-count error per link and in total, B-cubed of device ids against
 * true devices and of browser ids against true browser installs, and the
 * calibration of the confidence on merges; on all clicks, bot precision and
 * recall. Ids are compared only for equality — their spelling is free.
 */
export function score(method: string, clicks: readonly ClickLine[], truth: readonly TruthLine[], decisions: readonly Decision[], opts: { perLink?: boolean; linkKinds?: ReadonlyMap<string, string> } = {}): Score {
  const truthById = new Map(truth.map((t) => [t.id, t] as const))
  const decisionById = new Map(decisions.map((d) => [d.id, d] as const))
  const ordered = clicks.slice().sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts) || (a.id < b.id ? -1 : 1))
  const human: Array<{ link: string; pd: string; td: string; pb: string; tb: string; conf: number | null }> = []
  const bots: Array<{ predicted: boolean; truth: boolean }> = []
  let covered = 0
  for (const c of ordered) {
    const t = truthById.get(c.id)
    if (!t) throw new Error(`no truth for click ${c.id}`)
    const d = decisionById.get(c.id)
    if (d) covered++
    bots.push({ predicted: d?.bot ?? false, truth: t.bot })
    if (t.bot) continue
    human.push({
      link: t.link,
      // A click the method did not decide stands alone: its own device, its own browser.
      pd: d ? `d:${d.deviceId}` : `missing:${c.id}`,
      td: t.deviceId,
      pb: d ? `b:${d.browserId}` : `missing:${c.id}`,
      tb: t.browserId,
      conf: d && typeof d.confidence === 'number' ? d.confidence : null,
    })
  }
  const count = deviceCountError(human.map((h) => ({ link: h.link, predicted: h.pd, truth: h.td })))
  const { perLink, ...countSummary } = count
  let byKind: Score['byKind']
  if (opts.linkKinds) {
    byKind = {}
    const kinds = [...new Set(opts.linkKinds.values())].sort()
    for (const kind of kinds) {
      const rows = human.filter((h) => opts.linkKinds!.get(h.link) === kind).map((h) => ({ link: h.link, predicted: h.pd, truth: h.td }))
      if (rows.length === 0) continue
      const e = deviceCountError(rows)
      byKind[kind] = { links: e.perLink.length, mape: e.mape, total: e.total }
    }
  }
  return {
    method,
    coverage: clicks.length ? covered / clicks.length : 1,
    humanClicks: human.length,
    deviceCount: opts.perLink ? { ...countSummary, perLink } : countSummary,
    device: bCubed(human.map((h) => h.pd), human.map((h) => h.td)),
    browser: bCubed(human.map((h) => h.pb), human.map((h) => h.tb)),
    bot: botAccuracy(bots),
    calibration: calibration(human.map((h) => ({ predicted: h.pd, truth: h.td, confidence: h.conf }))),
    ...(byKind ? { byKind } : {}),
  }
}

/** Every baseline, scored on the same events. */
export function scoreBaselines(clicks: readonly ClickLine[], truth: readonly TruthLine[], opts: { linkKinds?: ReadonlyMap<string, string> } = {}): Score[] {
  return baselines.map((b) => score(b.name, clicks, truth, b.decide(clicks), opts))
}

export function clicksOf(lines: readonly ReplayLine[]): ClickLine[] {
  return lines.filter((l): l is ClickLine => l.type === 'click')
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`
const f3 = (x: number): string => x.toFixed(3)

export function formatRow(s: Score): string[] {
  return [
    s.method,
    pct(s.deviceCount.mape),
    `${s.deviceCount.total >= 0 ? '+' : ''}${pct(s.deviceCount.total)}`,
    `${f3(s.device.precision)}/${f3(s.device.recall)}/${f3(s.device.f1)}`,
    `${f3(s.browser.precision)}/${f3(s.browser.recall)}/${f3(s.browser.f1)}`,
    `${f3(s.bot.precision)}/${f3(s.bot.recall)}`,
    s.calibration.ece === null ? '—' : f3(s.calibration.ece),
  ]
}

export const HEADER = ['method', 'dev MAPE', 'dev total', 'device P/R/F1', 'browser P/R/F1', 'bot P/R', 'calib ECE']

/** Aligned columns; a row shorter than the header (a note such as "not available") does not widen them. */
export function textTable(rows: string[][]): string {
  const cols = rows[0]!.length
  const full = rows.filter((r) => r.length === cols)
  const widths = rows[0]!.map((_, i) => Math.max(...full.map((r) => (r[i] ?? '').length)))
  return rows.map((r) => (r.length === cols ? r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() : `${r[0] ?? ''}: ${r.slice(1).join(' ')}`)).join('\n')
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2)
  const get = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`)
    return i >= 0 ? args[i + 1] : undefined
  }
  const eventsPath = get('events')
  const truthPath = get('truth')
  if (!eventsPath || !truthPath) {
    console.error('usage: tsx bench/accuracy/score.ts --events events.ndjson --truth truth.ndjson [--decisions decisions.ndjson] [--name linkprint] [--json]')
    process.exit(2)
  }
  const clicks = clicksOf(ndjson.read<ReplayLine>(eventsPath))
  const truth = ndjson.read<TruthLine>(truthPath)
  const scores: Score[] = []
  const decisionsPath = get('decisions')
  if (decisionsPath) scores.push(score(get('name') ?? 'linkprint', clicks, truth, ndjson.read<Decision>(decisionsPath)))
  scores.push(...scoreBaselines(clicks, truth))
  if (args.includes('--json')) console.log(JSON.stringify(scores, null, 2))
  else console.log(textTable([HEADER, ...scores.map(formatRow)]))
}
