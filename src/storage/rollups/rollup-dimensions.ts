/** A breakdown the rollups keep: its name in the API and the click column it groups. */
export interface RollupDimension {
  readonly name: BreakdownName
  readonly column: 'browser_name' | 'os_name' | 'device_type' | 'country' | 'city' | 'language' | 'referrer_host' | 'identity_source'
  /** Geo: a value that came from inference (language and time zone) is kept apart, under `${name}:inferred`. */
  readonly geo?: true
}

export type BreakdownName =
  | 'browsers' | 'operatingSystems' | 'deviceTypes' | 'countries' | 'cities' | 'languages' | 'referrers' | 'identitySources'

/** The breakdowns of human clicks, in the order the API lists them. */
export const ROLLUP_DIMENSIONS: readonly RollupDimension[] = [
  { name: 'browsers', column: 'browser_name' },
  { name: 'operatingSystems', column: 'os_name' },
  { name: 'deviceTypes', column: 'device_type' },
  { name: 'countries', column: 'country', geo: true },
  { name: 'cities', column: 'city', geo: true },
  { name: 'languages', column: 'language' },
  { name: 'referrers', column: 'referrer_host' },
  { name: 'identitySources', column: 'identity_source' },
]

/** The one breakdown of bot clicks: why each was judged a bot. */
export const BOT_REASONS = 'botReasons'

/** The dimension of an hour's totals. */
export const TOTALS = ''

export const INFERRED_SUFFIX = ':inferred'

/** The rollups' bucket: an hour, in epoch milliseconds. */
export const HOUR_MS = 3_600_000

export function hourOf(ts: number): number {
  return ts - (ts % HOUR_MS)
}
