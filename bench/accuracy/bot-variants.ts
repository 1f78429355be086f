import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { BOT_WORLDS } from './bot-world.js'
import { runInProcess } from './in-process-replay.js'
import type { ProfileName } from './profiles.js'
import { profiles } from './profiles.js'
import { score, textTable } from './score.js'
import { simulate } from './simulate.js'
import type { ClickLine, Decision, TruthLine } from './types.js'

/**
 * `npx tsx bench/accuracy/bot-variants.ts`: linkprint's bot detection on traffic it was
 * not tuned on. For each bot world of bot-world.ts (other readings of the same public
 * sources: small offices, scanners spread over their vendors' allocations or the cloud,
 * scanners that keep cookies or present a current Chrome, slower or HEAD-first scans,
 * every gateway checking at click time, more preview fetchers, people who click within
 * minutes of a send), simulate, run the click pipeline in this process (the replay's
 * decisions, bench/accuracy/in-process-replay.ts) and print bot precision and recall,
 * recall by kind of bot, and what wrong flags cost the people: human clicks flagged, true
 * devices all of whose clicks were flagged (gone from the unique counts), device F1 and
 * device-count error.
 *
 * Flags: --worlds a,b (all by default), --profiles a,b (mixed,office), --shares 0,0.8 (0),
 * --seed N (42), --people-scale x (1), --json.
 */
export interface VariantRow {
  world: string
  profile: ProfileName
  sdkShare: number
  bots: number
  humans: number
  precision: number
  recall: number
  /** recall by the truth's kind of bot */
  byKind: Record<string, { n: number; recall: number }>
  humanFlagged: number
  devicesHidden: number
  devices: number
  deviceF1: number
  devTotal: number
}

export function variantRow(world: string, profile: ProfileName, sdkShare: number, clicks: readonly ClickLine[], truth: readonly TruthLine[], decisions: readonly Decision[]): VariantRow {
  const s = score('linkprint', clicks, truth, decisions)
  const byId = new Map(decisions.map((d) => [d.id, d] as const))
  const byKind: Record<string, { n: number; hit: number }> = {}
  const deviceClicks = new Map<string, { n: number; flagged: number }>()
  let humanFlagged = 0
  for (const t of truth) {
    const flagged = byId.get(t.id)?.bot ?? false
    if (t.bot) {
      const k = (byKind[t.botKind ?? 'bot'] ??= { n: 0, hit: 0 })
      k.n++
      if (flagged) k.hit++
      continue
    }
    if (flagged) humanFlagged++
    const d = deviceClicks.get(t.deviceId) ?? { n: 0, flagged: 0 }
    d.n++
    if (flagged) d.flagged++
    deviceClicks.set(t.deviceId, d)
  }
  let hidden = 0
  for (const d of deviceClicks.values()) if (d.flagged === d.n) hidden++
  return {
    world, profile, sdkShare,
    bots: s.bot.truePositives + s.bot.falseNegatives,
    humans: s.humanClicks,
    precision: s.bot.precision,
    recall: s.bot.recall,
    byKind: Object.fromEntries(Object.entries(byKind).sort().map(([k, v]) => [k, { n: v.n, recall: v.n ? v.hit / v.n : 1 }])),
    humanFlagged,
    devicesHidden: hidden,
    devices: deviceClicks.size,
    deviceF1: s.device.f1,
    devTotal: s.deviceCount.total,
  }
}

export async function runVariant(world: string, profile: ProfileName, sdkShare: number, opts: { seed?: string; peopleScale?: number } = {}): Promise<VariantRow> {
  const p = profiles[profile]
  const people = Math.round(p.defaults.people * (opts.peopleScale ?? 1))
  const sim = simulate({ profile, seed: opts.seed ?? '42', sdkShare, people, days: p.defaults.days, bots: world })
  const { decisions } = await runInProcess(sim.links, sim.clicks)
  return variantRow(world, profile, sdkShare, sim.clicks, sim.truth, decisions)
}

const f3 = (x: number): string => x.toFixed(3)
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`

export function variantTable(rows: readonly VariantRow[]): string {
  const header = ['world', 'profile', 'sdk', 'bot P/R', 'scanner R', 'preview R', 'other R', 'humans flagged', 'devices hidden', 'device F1', 'dev total']
  const body = rows.map((r) => {
    const k = (name: string) => (r.byKind[name] ? `${f3(r.byKind[name]!.recall)} (${r.byKind[name]!.n})` : '—')
    const previews = ['preview', 'preview-sender', 'office-check'].map((n) => r.byKind[n]).filter((x) => x !== undefined)
    const pn = previews.reduce((a, x) => a + x!.n, 0)
    const ph = previews.reduce((a, x) => a + x!.n * x!.recall, 0)
    const others = Object.entries(r.byKind).filter(([n]) => !['mail-scanner', 'preview', 'preview-sender', 'office-check'].includes(n))
    const on = others.reduce((a, [, x]) => a + x.n, 0)
    const oh = others.reduce((a, [, x]) => a + x.n * x.recall, 0)
    return [
      r.world, r.profile, String(r.sdkShare), `${f3(r.precision)}/${f3(r.recall)}`, k('mail-scanner'),
      pn ? `${f3(ph / pn)} (${pn})` : '—', on ? `${f3(oh / on)} (${on})` : '—',
      `${r.humanFlagged} / ${r.humans}`, `${r.devicesHidden} / ${r.devices}`, f3(r.deviceF1), pct(r.devTotal),
    ]
  })
  return textTable([header, ...body])
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) void main()

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`)
    return i >= 0 ? args[i + 1] : undefined
  }
  const worlds = (opt('worlds') ?? Object.keys(BOT_WORLDS).join(',')).split(',')
  const profileNames = (opt('profiles') ?? 'mixed,office').split(',') as ProfileName[]
  const shares = (opt('shares') ?? '0').split(',').map(Number)
  const rows: VariantRow[] = []
  for (const world of worlds) {
    for (const profile of profileNames) {
      for (const share of shares) {
        rows.push(await runVariant(world, profile, share, { seed: opt('seed') ?? '42', peopleScale: Number(opt('people-scale') ?? 1) }))
        if (!args.includes('--json')) process.stderr.write(`${world} ${profile} ${share} done\n`)
      }
    }
  }
  if (args.includes('--json')) console.log(JSON.stringify(rows, null, 2))
  else console.log(variantTable(rows))
}
