export type ScannerReason = 'scanner_burst' | 'scanner_network' | 'time_of_click'

/**
 * A click the detector remembers, handed back when it is reclassified. Carries what the
 * caller needs to find the stored row (link, time, address hash, method, user agent) and
 * whether it was counted against the link's click limit.
 */
export interface TrackedClick {
  /** Unique per detector, increasing: the caller's handle (replay maps it to its event). */
  readonly seq: number
  readonly ts: number
  readonly linkId: number
  readonly network: string
  /** The /16 or /48 around the network (in memory only, like the IP hasher's cache). */
  readonly block: string
  readonly address: string
  readonly method: string
  readonly userAgent: string | null
  readonly os: string | null
  /** Human evidence as the detector counts it: a cookie from an earlier visit, or the SDK (a cookie issued moments ago on this network is not). */
  readonly humanEvidence: boolean
  /** The cookie id its response set: a later request presenting it is the same browser. */
  readonly issuedCookieId: string | null
  /** The earlier request of the same browser session (its cookie, issued moments ago on this network): not another client. */
  readonly repeatOf: TrackedClick | null
  /** Why it is a scanner; null while it is taken for a person. */
  reason: ScannerReason | null
  /** Counted as a human click against the link's limit (the pipeline sets and clears it). */
  counted: boolean
  /** Past the detector's memory: no longer reclassified. */
  released: boolean
  /** Kept past the recent window: a time-of-click candidate waiting for its network's next pair. */
  candidate: boolean
}

/** Marks a remembered click a scanner's and adds it to `out`, unless it already is one or has left the detector's memory. */
export function flagClick(click: TrackedClick, reason: ScannerReason, out: TrackedClick[]): void {
  if (click.reason !== null || click.released) return
  click.reason = reason
  out.push(click)
}

/** Removes entries older than `horizon` from the front of a time-ordered list (and released ones there). */
export function pruneClicks(list: TrackedClick[], horizon: number): void {
  let drop = 0
  while (drop < list.length && (list[drop]!.ts < horizon || list[drop]!.released)) drop++
  if (drop > 0) list.splice(0, drop)
}
