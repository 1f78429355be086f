export interface BotAccuracy {
  precision: number
  recall: number
  f1: number
  truePositives: number
  falsePositives: number
  falseNegatives: number
}

/** Precision and recall of the bot flag over all clicks, humans and bots alike. */
export function botAccuracy(rows: ReadonlyArray<{ predicted: boolean; truth: boolean }>): BotAccuracy {
  let tp = 0
  let fp = 0
  let fn = 0
  for (const r of rows) {
    if (r.predicted && r.truth) tp++
    else if (r.predicted && !r.truth) fp++
    else if (!r.predicted && r.truth) fn++
  }
  // With nothing flagged there is no false alarm: precision is 1 by convention, recall says the rest.
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp)
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn)
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)
  return { precision, recall, f1, truePositives: tp, falsePositives: fp, falseNegatives: fn }
}
