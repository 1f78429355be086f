import { describe, expect, it } from 'vitest'
import { explain } from '../../bench/accuracy/explain.js'
import { runInProcess } from '../../bench/accuracy/in-process-replay.js'
import { score } from '../../bench/accuracy/score.js'
import { simulate } from '../../bench/accuracy/simulate.js'

describe('explain (bench/accuracy/explain.ts)', () => {
  it('attributes every missed join and every union, and orders its ceilings', async () => {
    const sim = simulate({ profile: 'household', seed: 9, sdkShare: 0.8, people: 120, days: 10 })
    const run = await runInProcess(sim.links, sim.clicks)
    const kinds = new Map(sim.meta.links.map((l) => [l.slug, l.kind] as const))
    const e = explain(sim.clicks, sim.truth, run.decisions, run.traced, kinds)
    // The in-process run is scored exactly as run.ts scores the replay's decisions.
    const s = score('linkprint', sim.clicks, sim.truth, run.decisions)
    expect(e.score.device.f1).toBeCloseTo(s.device.f1, 10)
    expect(e.ceilings.linkprint!.countTotal).toBeCloseTo(s.deviceCount.total, 10)
    // Every union is attributed to a rule and judged.
    for (const [rule, u] of Object.entries(e.unions)) {
      expect(rule).toMatch(/\((browser|device)\)$/)
      expect(u.right).toBeLessThanOrEqual(u.n)
    }
    // Ceilings at precision 1 only add joins: cookie jars ≤ singled-out evidence ≤ any shared evidence.
    const c = e.ceilings
    expect(c['evidence that singles the device out']!.recall).toBeGreaterThanOrEqual(c['cookie jar (= cookie-only)']!.recall)
    expect(c['any shared address, network or SDK hash']!.recall).toBeGreaterThanOrEqual(c['evidence that singles the device out']!.recall)
    expect(c['any shared address, network or SDK hash']!.precision).toBeGreaterThan(0.99)
    // Missed joins sum to what splits the true devices.
    const pieces = Object.values(e.missed).flatMap((m) => Object.values(m)).reduce((a, x) => a + x.pieces, 0)
    expect(pieces).toBeGreaterThan(0)
    // Rule families tried online, and calibration by rule: counts that add up.
    expect(Object.keys(e.candidates).length).toBeGreaterThan(0)
    for (const c of Object.values(e.candidates)) expect(c.newRight).toBeLessThanOrEqual(c.right)
    for (const c of Object.values(e.calibrationByRule)) expect(c.right).toBeLessThanOrEqual(c.clicks)
  }, 60_000)
})
