import type { TimeRange } from './storage.js'

/** Keeps the clicks (aliased `c`) of a time range: `from` inclusive, `to` exclusive. */
// Typed loosely on purpose: the three callers differ only in their select list.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function withRange<Q extends { where: (...args: any[]) => any }>(q: Q, range: TimeRange): Q {
  let out = q
  if (range.from !== undefined) out = out.where('c.ts', '>=', range.from)
  if (range.to !== undefined) out = out.where('c.ts', '<', range.to)
  return out
}
