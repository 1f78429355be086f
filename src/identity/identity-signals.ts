import type { GeoResult } from '../signals/geo/geo-result.js'
import type { UserAgentInfo } from '../signals/user-agent.js'

/**
 * Everything the identity engine may use about one human click, already validated and
 * hashed by the signals stage. No raw address: only its keyed hashes.
 */
export interface IdentitySignals {
  readonly ts: number
  readonly linkId: number
  readonly ipHash: string
  readonly prefixHash: string
  /** The verified `device_fp` cookie id, or null (none, forged, or cookies not allowed). */
  readonly cookieId: string | null
  /** The id the server sets as a new cookie for this browser, or null when it may not set one. */
  readonly newCookieId: string | null
  /** SDK headers, validated; null when absent, malformed, or not allowed by the privacy mode. */
  readonly sdkDevice: string | null
  readonly sdkBrowser: string | null
  readonly timezone: string | null
  readonly ua: UserAgentInfo
  readonly userAgent: string
  /** Primary Accept-Language language subtag (`it`), lower case. */
  readonly language: string | null
  readonly accept: string | null
  readonly geo: GeoResult | null
}
