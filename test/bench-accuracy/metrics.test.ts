import { describe, expect, it } from 'vitest'
import { bCubed } from '../../bench/accuracy/b-cubed.js'
import { botAccuracy } from '../../bench/accuracy/bot-accuracy.js'
import { variantRow } from '../../bench/accuracy/bot-variants.js'
import { calibration } from '../../bench/accuracy/calibration.js'
import { deviceCountError } from '../../bench/accuracy/device-count-error.js'
import { score } from '../../bench/accuracy/score.js'
import type { ClickLine, Decision, TruthLine } from '../../bench/accuracy/types.js'

describe('bCubed', () => {
  it('is perfect on the identity clustering, whatever the ids are called', () => {
    expect(bCubed(['a', 'a', 'b'], ['x', 'x', 'y'])).toEqual({ precision: 1, recall: 1, f1: 1 })
  })

  it('punishes splitting in recall only', () => {
    // true: one cluster of 3; predicted: {1,2} and {3}
    const r = bCubed(['a', 'a', 'b'], ['x', 'x', 'x'])
    expect(r.precision).toBe(1)
    expect(r.recall).toBeCloseTo(5 / 9, 12)
    expect(r.f1).toBeCloseTo(10 / 14, 12)
  })

  it('punishes merging in precision only', () => {
    // true: {1,2} and {3}; predicted: one cluster
    const r = bCubed(['a', 'a', 'a'], ['x', 'x', 'y'])
    expect(r.precision).toBeCloseTo(5 / 9, 12)
    expect(r.recall).toBe(1)
  })

  it('handles the all-singletons case', () => {
    const r = bCubed(['a', 'b', 'c', 'd'], ['x', 'x', 'y', 'y'])
    expect(r.precision).toBe(1)
    expect(r.recall).toBeCloseTo(0.5, 12)
  })

  it('rejects mismatched lengths and accepts empty input', () => {
    expect(() => bCubed(['a'], [])).toThrow()
    expect(bCubed([], []).f1).toBe(1)
  })
})

describe('deviceCountError', () => {
  it('computes per-link MAPE and the signed total', () => {
    const rows = [
      // link A: 2 true devices, predicted 3 ids (+50 %)
      { link: 'A', predicted: 'p1', truth: 'd1' },
      { link: 'A', predicted: 'p2', truth: 'd1' },
      { link: 'A', predicted: 'p3', truth: 'd2' },
      // link B: 2 true devices, predicted 1 id (−50 %)
      { link: 'B', predicted: 'p1', truth: 'd1' },
      { link: 'B', predicted: 'p1', truth: 'd3' },
    ]
    const e = deviceCountError(rows)
    expect(e.mape).toBeCloseTo(0.5, 12)
    expect(e.total).toBeCloseTo(0, 12)
    expect(e.predictedTotal).toBe(4)
    expect(e.trueTotal).toBe(4)
    expect(e.perLink).toEqual([
      { link: 'A', predicted: 3, truth: 2 },
      { link: 'B', predicted: 1, truth: 2 },
    ])
  })
})

describe('botAccuracy', () => {
  it('counts true and false positives', () => {
    const r = botAccuracy([
      { predicted: true, truth: true },
      { predicted: true, truth: false },
      { predicted: false, truth: true },
      { predicted: false, truth: false },
      { predicted: true, truth: true },
    ])
    expect(r.precision).toBeCloseTo(2 / 3, 12)
    expect(r.recall).toBeCloseTo(2 / 3, 12)
  })

  it('calls a method that flags nothing precise but blind', () => {
    const r = botAccuracy([{ predicted: false, truth: true }])
    expect(r.precision).toBe(1)
    expect(r.recall).toBe(0)
  })
})

describe('calibration', () => {
  it('scores merges against the plurality true device of the earlier clicks', () => {
    const c = calibration([
      { predicted: 'A', truth: 'x', confidence: 0.9 }, // new id: not a merge
      { predicted: 'A', truth: 'x', confidence: 0.95 }, // merge, right
      { predicted: 'A', truth: 'y', confidence: 0.55 }, // merge, wrong (A is mostly x)
      { predicted: 'B', truth: 'z', confidence: 0.2 }, // new id
    ])
    expect(c.merges).toBe(2)
    expect(c.buckets[9]).toMatchObject({ n: 1, correct: 1 })
    expect(c.buckets[5]).toMatchObject({ n: 1, correct: 0 })
    expect(c.ece).toBeCloseTo(0.5 * 0.05 + 0.5 * 0.55, 12)
  })

  it('reads confidences above 1 as percentages and reports no ECE without confidences', () => {
    expect(calibration([{ predicted: 'A', truth: 'x', confidence: 80 }, { predicted: 'A', truth: 'x', confidence: 80 }]).buckets[8]).toMatchObject({ n: 1, correct: 1 })
    expect(calibration([{ predicted: 'A', truth: 'x', confidence: null }, { predicted: 'A', truth: 'x', confidence: null }]).ece).toBeNull()
  })
})

describe('score', () => {
  const click = (id: string, ts: string): ClickLine => ({ type: 'click', id, ts, method: 'GET', path: '/l', ip: '1.2.3.4', jar: id, headers: {} })
  const clicks = [click('e1', '2026-10-05T10:00:00Z'), click('e2', '2026-10-05T10:01:00Z'), click('e3', '2026-10-05T10:02:00Z')]
  const truth: TruthLine[] = [
    { id: 'e1', personId: 'p1', deviceId: 'd1', browserId: 'b1', bot: false, link: 'l' },
    { id: 'e2', personId: 'p1', deviceId: 'd1', browserId: 'b2', bot: false, link: 'l' },
    { id: 'e3', personId: null, deviceId: 'bot:x', browserId: 'bot:x', bot: true, link: 'l' },
  ]
  const dec = (id: string, deviceId: string, browserId: string, bot: boolean): Decision => ({ id, deviceId, browserId, confidence: 90, browserUnique: true, deviceUnique: true, bot })

  it('scores identity on human clicks only and bots on all clicks', () => {
    const s = score('m', clicks, truth, [dec('e1', 'D', 'B1', false), dec('e2', 'D', 'B2', false), dec('e3', 'D', 'B3', true)])
    expect(s.humanClicks).toBe(2)
    expect(s.device.f1).toBe(1)
    expect(s.browser.f1).toBe(1)
    expect(s.deviceCount.mape).toBe(0)
    expect(s.bot.recall).toBe(1)
    expect(s.bot.precision).toBe(1)
    expect(s.calibration.merges).toBe(1)
  })

  it('treats a missing decision as a singleton that is not a bot', () => {
    const s = score('m', clicks, truth, [dec('e1', 'D', 'B1', false)])
    expect(s.coverage).toBeCloseTo(1 / 3, 12)
    expect(s.device.recall).toBeCloseTo(0.5, 12)
    expect(s.bot.recall).toBe(0)
  })
})

describe('variantRow (bench/accuracy/bot-variants.ts)', () => {
  it('counts the people a wrong bot flag costs: flagged clicks and devices left with none counted', () => {
    const click = (id: string): ClickLine => ({ type: 'click', id, ts: '2026-10-05T09:00:00.000Z', method: 'GET', path: '/a', ip: '93.45.12.7', jar: id, headers: {} })
    const human = (id: string, deviceId: string): TruthLine => ({ id, personId: 'p', deviceId, browserId: deviceId, bot: false, link: 'a' })
    const bot = (id: string, botKind: string): TruthLine => ({ id, personId: null, deviceId: `bot:${id}`, browserId: `bot:${id}`, bot: true, link: 'a', botKind })
    const decision = (id: string, flagged: boolean): Decision => ({ id, deviceId: flagged ? `bot:${id}` : 'd', browserId: 'b', confidence: null, browserUnique: true, deviceUnique: true, bot: flagged })
    const truth = [human('e1', 'd1'), human('e2', 'd1'), human('e3', 'd2'), bot('e4', 'mail-scanner'), bot('e5', 'mail-scanner'), bot('e6', 'preview')]
    const flags = { e1: true, e2: false, e3: true, e4: true, e5: false, e6: true } as Record<string, boolean>
    const row = variantRow('w', 'mixed', 0, truth.map((t) => click(t.id)), truth, truth.map((t) => decision(t.id, flags[t.id]!)))
    expect(row.humanFlagged).toBe(2)
    expect(row.devicesHidden).toBe(1)
    expect(row.devices).toBe(2)
    expect(row.byKind['mail-scanner']).toEqual({ n: 2, recall: 0.5 })
    expect(row.byKind.preview).toEqual({ n: 1, recall: 1 })
    expect(row.precision).toBeCloseTo(2 / 4)
  })
})
