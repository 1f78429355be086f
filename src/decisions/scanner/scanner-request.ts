import type { ScannerReason, TrackedClick } from './tracked-click.js'

/** One request as the scanner detector sees it (the click pipeline builds it after the bot detector). */
export interface ScannerRequest {
  /** Epoch ms of the request. */
  readonly ts: number
  readonly linkId: number
  /** Keyed hash of the client's network prefix (/24, /64). */
  readonly network: string
  /** Keyed hash of the client address. */
  readonly address: string
  /** The client address, to tell public from private and to find its block; never stored. */
  readonly clientIp: string
  readonly method: string
  readonly userAgent: string | null
  /** The operating system the user agent names (the UA parser's), if any. */
  readonly os?: string | null
  /** A valid linkprint cookie or SDK headers: a client that keeps cookies or ran our script. */
  readonly humanEvidence: boolean
  /** The device cookie id the request presented (verified), if any. */
  readonly cookieId?: string | null
  /** The device cookie id the response sets (a browser without one gets one). */
  readonly issuedCookieId?: string | null
}

/** The detector's answer to one request. */
export interface ScannerDecision {
  /** Non-null: this request is a scanner. */
  readonly reason: ScannerReason | null
  /** The handle of this request (null when the detector did not judge it). */
  readonly click: TrackedClick | null
  /** Earlier clicks now known to be scanners; the caller persists the change. */
  readonly reclassified: readonly TrackedClick[]
}
