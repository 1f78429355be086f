export interface CalibrationBucket {
  /** confidence range [lo, hi) on a 0..1 scale */
  lo: number
  hi: number
  n: number
  correct: number
  meanConfidence: number
}

export interface Calibration {
  buckets: CalibrationBucket[]
  /** clicks attributed to a device id seen before */
  merges: number
  /** expected calibration error: Σ (n_b / N) · |accuracy_b − confidence_b|; null without confidences */
  ece: number | null
}

/**
 * Calibration of the confidence score on merges: "of the clicks attributed
 * at confidence c to a device id that already existed, how many were right?"
 * Clicks are taken in time order (the input order); a click is a merge when
 * its predicted device id has been seen on an earlier click, and it is right
 * when its true device is the one most of those earlier clicks truly came
 * from. Buckets are confidence deciles; confidences above 1 are read as
 * percentages (the design's MIN_CONFIDENCE is on a 0–100 scale).
 */
export function calibration(rows: ReadonlyArray<{ predicted: string; truth: string; confidence: number | null }>): Calibration {
  const scale = rows.some((r) => r.confidence !== null && r.confidence > 1) ? 100 : 1
  const buckets: CalibrationBucket[] = Array.from({ length: 10 }, (_, i) => ({ lo: i / 10, hi: (i + 1) / 10, n: 0, correct: 0, meanConfidence: 0 }))
  const seen = new Map<string, { counts: Map<string, number>; top: string; topCount: number }>()
  let merges = 0
  let any = false
  for (const r of rows) {
    const s = seen.get(r.predicted)
    if (s && r.confidence !== null && Number.isFinite(r.confidence)) {
      any = true
      merges++
      const c = Math.min(1, Math.max(0, r.confidence / scale))
      const b = buckets[Math.min(9, Math.floor(c * 10))]!
      b.n++
      b.meanConfidence += c
      if (s.top === r.truth) b.correct++
    } else if (s) {
      merges++
    }
    if (!s) {
      seen.set(r.predicted, { counts: new Map([[r.truth, 1]]), top: r.truth, topCount: 1 })
    } else {
      const k = (s.counts.get(r.truth) ?? 0) + 1
      s.counts.set(r.truth, k)
      if (k > s.topCount) {
        s.top = r.truth
        s.topCount = k
      }
    }
  }
  let ece: number | null = null
  if (any) {
    const total = buckets.reduce((a, b) => a + b.n, 0)
    ece = 0
    for (const b of buckets) {
      if (b.n === 0) continue
      b.meanConfidence /= b.n
      ece += (b.n / total) * Math.abs(b.correct / b.n - b.meanConfidence)
    }
  }
  return { buckets, merges, ece }
}
