import type { ScannerSettings } from './scanner-options.js'
import type { TrackedClick } from './tracked-click.js'

export type Level = 'network' | 'block'

/** What the detector knows of one prefix or block. */
export interface NetworkState {
  readonly level: Level
  /** The prefix hash, or the block's text. */
  readonly id: string
  /** When the counters were last decayed. */
  at: number
  /** Requests judged (decayed). */
  seen: number
  /** Of those, with human evidence (decayed). */
  human: number
  /** Of those, from a phone or tablet (decayed): an eyeball network's sign, never a gateway's. */
  mobile: number
  /** Last scanner activity; -Infinity when not a known scanner network. */
  flaggedAt: number
  /** Its requests that came just before another network's request for the same link, oldest first. */
  candidates: TrackedClick[] | null
  /** Its recent cookieless clicks, all links. */
  recent: TrackedClick[] | null
}

/**
 * People use this network: browsers that came back with our cookie or ran our script, or
 * phones (an office's Wi-Fi, a home, a carrier's NAT; a gateway's farm presents desktop
 * browsers only), in at least `humanShare` of its requests.
 */
export function humanLike(st: NetworkState, o: ScannerSettings): boolean {
  const people = st.human + st.mobile
  return people >= 1 && people >= o.humanShare * st.seen
}

/** A known scanner network: caught within `reputationMs`. */
export function flagged(st: NetworkState, now: number, o: ScannerSettings): boolean {
  return now - st.flaggedAt < o.reputationMs
}

/** Brings the counters to `now`, halving them every `halfLifeMs`. */
export function decay(st: NetworkState, now: number, o: ScannerSettings): void {
  const dt = now - st.at
  if (dt <= 0) return
  const f = Math.pow(0.5, dt / o.halfLifeMs)
  st.seen *= f
  st.human *= f
  st.mobile *= f
  st.at = now
}
