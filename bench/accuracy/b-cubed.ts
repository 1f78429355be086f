export interface BCubed {
  precision: number
  recall: number
  f1: number
}

/**
 * B-cubed precision and recall of a clustering against the truth (Bagga &
 * Baldwin 1998; Amigó et al., "A comparison of extrinsic clustering
 * evaluation metrics", 2009): for each item, precision is the share of its
 * predicted cluster that truly belongs with it, recall the share of its true
 * cluster that was predicted with it; both are averaged over items. Unlike
 * pairwise F1 it does not let one giant cluster dominate, and unlike purity
 * it punishes both over-merging (one id for a whole office) and splitting
 * (a new id per cookie).
 *
 * Computed in linear time from the counts of (predicted, true) pairs.
 */
export function bCubed(predicted: readonly string[], truth: readonly string[]): BCubed {
  if (predicted.length !== truth.length) throw new Error('bCubed: predicted and truth differ in length')
  const n = predicted.length
  if (n === 0) return { precision: 1, recall: 1, f1: 1 }
  const predSize = new Map<string, number>()
  const trueSize = new Map<string, number>()
  const pair = new Map<string, number>()
  for (let i = 0; i < n; i++) {
    const p = predicted[i]!
    const t = truth[i]!
    predSize.set(p, (predSize.get(p) ?? 0) + 1)
    trueSize.set(t, (trueSize.get(t) ?? 0) + 1)
    const k = `${p}\u0000${t}`
    pair.set(k, (pair.get(k) ?? 0) + 1)
  }
  let precision = 0
  let recall = 0
  for (let i = 0; i < n; i++) {
    const p = predicted[i]!
    const t = truth[i]!
    const both = pair.get(`${p}\u0000${t}`)!
    precision += both / predSize.get(p)!
    recall += both / trueSize.get(t)!
  }
  precision /= n
  recall /= n
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)
  return { precision, recall, f1 }
}
