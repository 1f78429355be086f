export interface CountError {
  /** mean over links of |predicted − true| / true (links with at least one true device) */
  mape: number
  /** (Σ predicted − Σ true) / Σ true over links: signed, > 0 means over-counting */
  total: number
  predictedTotal: number
  trueTotal: number
  perLink: Array<{ link: string; predicted: number; truth: number }>
}

/**
 * Device-count error: per link, the number of distinct predicted device ids
 * against the number of distinct true devices among the same (human) clicks.
 * This is the figure a user reads on the dashboard ("unique devices"), so it
 * is reported as a percentage error per link (MAPE) and summed over links.
 */
export function deviceCountError(rows: ReadonlyArray<{ link: string; predicted: string; truth: string }>): CountError {
  const pred = new Map<string, Set<string>>()
  const truth = new Map<string, Set<string>>()
  for (const r of rows) {
    let p = pred.get(r.link)
    if (!p) pred.set(r.link, (p = new Set()))
    p.add(r.predicted)
    let t = truth.get(r.link)
    if (!t) truth.set(r.link, (t = new Set()))
    t.add(r.truth)
  }
  const perLink: CountError['perLink'] = []
  let sumAbs = 0
  let sumPred = 0
  let sumTrue = 0
  for (const [link, t] of [...truth.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const predicted = pred.get(link)?.size ?? 0
    perLink.push({ link, predicted, truth: t.size })
    sumAbs += Math.abs(predicted - t.size) / t.size
    sumPred += predicted
    sumTrue += t.size
  }
  return {
    mape: perLink.length ? sumAbs / perLink.length : 0,
    total: sumTrue ? (sumPred - sumTrue) / sumTrue : 0,
    predictedTotal: sumPred,
    trueTotal: sumTrue,
    perLink,
  }
}
