const SECOND = 1000
const MINUTE = 60 * SECOND
const DAY = 24 * 60 * MINUTE

export interface ScannerDetectorOptions {
  readonly burstWindowMs?: number
  readonly burstMin?: number
  readonly timeOfClickMs?: number
  readonly timeOfClickConfirm?: number
  readonly reputationMs?: number
  readonly halfLifeMs?: number
  /** A network whose requests carried human evidence at least this share of the time is people. */
  readonly humanShare?: number
  /** Share of a network's requests that must be pre-checks before it is taken for a time-of-click checker. */
  readonly checkerShare?: number
  readonly maxLinks?: number
  readonly maxNetworks?: number
  readonly maxTracked?: number
  readonly maxCandidates?: number
}

export const SCANNER_DEFAULTS = {
  /** Gateways fetch within seconds to a few minutes of delivery (Litmus 2022; SendGrid). */
  burstWindowMs: 2 * MINUTE,
  /** Four mailboxes of one organisation scanned: the smallest burst believed (a block needs twice as many). */
  burstMin: 4,
  /** Safe Links checks the target while the user waits, "a second or two" before the browser's own request. */
  timeOfClickMs: 3 * SECOND,
  /** Two coincidences happen on a small network; three pre-checks that are most of its traffic do not. */
  timeOfClickConfirm: 3,
  /** Vendors scan from the same networks for months; a month without a sign lets go. */
  reputationMs: 30 * DAY,
  halfLifeMs: 7 * DAY,
  humanShare: 0.05,
  checkerShare: 0.5,
  maxLinks: 20_000,
  maxNetworks: 50_000,
  maxTracked: 65_536,
  maxCandidates: 4_096,
} as const

/** The options with every default filled in: what the detector and its rules read. */
export type ScannerSettings = Required<ScannerDetectorOptions>
