import type { GeoResult } from '../signals/geo/geo-result.js'

/**
 * One storage context the engine has seen: a cookie jar (the `device_fp` id) or, where no
 * cookie may be set, a session. Browser installs and devices are clusters of these.
 */
export interface FingerprintEntity {
  readonly key: string
  readonly firstSeen: number
  lastSeen: number
  readonly deviceHash: string
  readonly browserHash: string
  readonly primaryHash: string
  sessionHash: string
  readonly sdkDevice: string | null
  readonly sdkBrowser: string | null
  readonly browserName: string | null
  readonly osName: string | null
  readonly deviceType: string
  /** Primary Accept-Language subtag at the last click: the OS language every browser of a device follows. */
  language?: string | null
  /** The device model the user agent named at the last click when it names one specifically (in-app views), else null. */
  model?: string | null
  ipHash: string
  prefixHash: string
  /** How sure the engine was when it placed this entity in its clusters (0–100). */
  confidence: number
  correlationType: CorrelationType | null
  /** The evidence that placed it, e.g. ["sdk_device", "same_address"]. */
  factors: readonly string[]
  /** The address the engine last tried to link it from; it tries again only from a new one. */
  linkedFrom: string | null
  /** Where this context is, kept stable against flapping carrier gateways (seed 002), and since when. */
  geo: GeoResult | null
  geoSince: number
  /**
   * The last few addresses (hash, last seen there), newest first: where this context has
   * been. Undefined while it has been seen at one address only: that reads as
   * [[ipHash, lastSeen]], and most contexts never move (a list each cost ~136 bytes).
   */
  addresses?: Array<[ipHash: string, seen: number]>
}

export type CorrelationType = 'exact' | 'partial'

export type ClusterLevel = 'browser' | 'device'
