import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import type { RunResult } from './accuracy-report.js'
import { accuracyReport, profileChart, runRows, targetLine } from './accuracy-report.js'
import { buildLinkprint } from './build-linkprint.js'
import { ndjson } from './ndjson.js'
import type { ProfileName } from './profiles.js'
import { profiles } from './profiles.js'
import { runLinkprintReplay } from './run-linkprint-replay.js'
import { score, scoreBaselines, textTable } from './score.js'
import { simulate, writeSimulation } from './simulate.js'
import { ceilingRows, ceilingsOf } from './explain.js'
import type { Decision } from './types.js'
import { trafficSettings } from './traffic-setting.js'

/**
 * `npm run bench:accuracy`: for each profile and SDK share, simulate, replay
 * through linkprint, score linkprint and the baselines, print the tables and
 * write docs/accuracy.md with one chart per profile.
 *
 * Flags: --quick (smaller populations, shorter windows; docs are not
 * rewritten unless --docs is given), --seed N, --profiles a,b,
 * --shares 0.8,0,bridge (SDK shares in direct mode, and `bridge`: REDIRECT_MODE=bridge
 * with no SDK elsewhere, traffic-setting.ts), --bots WORLD (a bot world of bot-world.ts; docs are not rewritten
 * unless --docs is given), --no-linkprint, --no-build, --out DIR, --docs FILE.
 */
const args = process.argv.slice(2)
const flag = (name: string): boolean => args.includes(`--${name}`)
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}
const quick = flag('quick')
const seed = opt('seed') ?? '42'
const profileNames = (opt('profiles') ?? 'mixed,office,mobile,household').split(',') as ProfileName[]
const settings = trafficSettings(opt('shares') ?? '0.8,0,bridge')
const outDir = resolve(opt('out') ?? 'bench/out')
const bots = opt('bots')
const docsPath = opt('docs') ?? (quick || bots ? undefined : 'docs/accuracy.md')

for (const p of profileNames) {
  if (!(p in profiles)) {
    console.error(`unknown profile ${p}`)
    process.exit(2)
  }
}

let buildFailure: string | undefined
if (!flag('no-linkprint') && !flag('no-build')) {
  const built = buildLinkprint()
  if (!built.ok) buildFailure = built.reason
}

const results: RunResult[] = []
for (const profileName of profileNames) {
  const profile = profiles[profileName]
  for (const { sdkShare, redirectMode, label } of settings) {
    const people = quick ? Math.round(profile.defaults.people * 0.35) : profile.defaults.people
    const days = quick ? 14 : profile.defaults.days
    const t0 = Date.now()
    const sim = simulate({ profile: profileName, seed, sdkShare, redirectMode, people, days, ...(bots ? { bots } : {}) })
    const dir = join(outDir, `${profileName}-${redirectMode === 'bridge' ? 'bridge' : `sdk${sdkShare}`}${bots ? `-${bots}` : ''}`)
    const files = writeSimulation(sim, dir)
    const decisionsPath = join(dir, 'decisions.linkprint.ndjson')
    const linkKinds = new Map(sim.meta.links.map((l) => [l.slug, l.kind] as const))
    let linkprint: RunResult['linkprint']
    let ceilings: RunResult['ceilings']
    if (flag('no-linkprint')) linkprint = { error: 'skipped (--no-linkprint)' }
    else if (buildFailure) linkprint = { error: `replay failed: ${buildFailure}` }
    else {
      const outcome = runLinkprintReplay(files.events, decisionsPath)
      const decisions = outcome.ok ? ndjson.read<Decision>(decisionsPath) : []
      linkprint = outcome.ok ? score('linkprint', sim.clicks, sim.truth, decisions, { linkKinds }) : { error: `replay failed: ${outcome.reason}` }
      if (outcome.ok) ceilings = ceilingsOf(sim.clicks, sim.truth, decisions, linkKinds)
    }
    const result: RunResult = { profile: profileName, sdkShare, ...(redirectMode === 'bridge' ? { redirectMode } : {}), meta: sim.meta, linkprint, baselines: scoreBaselines(sim.clicks, sim.truth, { linkKinds }), ...(ceilings ? { ceilings } : {}) }
    results.push(result)
    // Full scores (per link kind, calibration buckets) for whoever digs deeper.
    writeFileSync(join(dir, 'scores.json'), JSON.stringify({ linkprint: result.linkprint, baselines: result.baselines }, null, 2) + '\n')
    console.log(`\n== ${profileName}, ${label === 'bridge' ? 'bridge' : `SDK share ${sdkShare}`}: ${sim.meta.counts.clicks} clicks (${sim.meta.counts.human} human, ${sim.meta.counts.bot} bot), ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    const rows = runRows(result)
    if ('error' in linkprint) rows[1] = ['linkprint', `not available (${linkprint.error})`]
    console.log(textTable(rows))
    console.log(targetLine(result))
    if (ceilings) console.log(textTable(ceilingRows(ceilings)))
  }
}

if (docsPath) {
  const docs = resolve(docsPath)
  const chartDir = join(dirname(docs), 'accuracy')
  mkdirSync(chartDir, { recursive: true })
  for (const p of profileNames) writeFileSync(join(chartDir, `${p}.svg`), profileChart(p, results.filter((r) => r.profile === p)))
  writeFileSync(docs, accuracyReport(results, { seed, chartDir: relative(dirname(docs), chartDir), command: `npm run bench:accuracy${quick ? ' -- --quick' : ''}` }))
  console.log(`\nwrote ${relative(process.cwd(), docs)} and ${profileNames.length} charts in ${relative(process.cwd(), chartDir)}/`)
}
