import { LruCache } from './lru-cache.js'

export type TimezoneRejection =
  /** No X-Timezone header (not an error: the SDK did not run). */
  | 'missing'
  /** Longer than MAX_TIMEZONE. */
  | 'oversized'
  /** Characters no IANA name uses (`..`, spaces, quotes, control characters …). */
  | 'invalid_charset'
  /** Well-formed but not a zone this runtime knows. */
  | 'unknown_zone'

export interface TimezoneResult {
  /** Canonical IANA name as this runtime's ICU spells it, or null. */
  readonly timezone: string | null
  readonly reason: TimezoneRejection | null
}

export interface TimezoneParserOptions {
  /** Answers per header value; 2 000 by default (there are ~600 zone names). */
  readonly cache?: LruCache<string, TimezoneResult>
}

export type TimezoneParser = (value: string | undefined) => TimezoneResult

/** The longest IANA name is 32 characters (America/Argentina/ComodRivadavia). */
export const MAX_TIMEZONE = 64

const MISSING: TimezoneResult = Object.freeze({ timezone: null, reason: 'missing' })
const OVERSIZED: TimezoneResult = Object.freeze({ timezone: null, reason: 'oversized' })
const INVALID_CHARSET: TimezoneResult = Object.freeze({ timezone: null, reason: 'invalid_charset' })
const UNKNOWN_ZONE: TimezoneResult = Object.freeze({ timezone: null, reason: 'unknown_zone' })

/**
 * Validates X-Timezone and canonicalises it through ICU, so the same device reads the
 * same whichever browser sent it: Chrome and Firefox disagree on `Asia/Kolkata` vs
 * `Asia/Calcutta` and `Europe/Kyiv` vs `Europe/Kiev`, and a device-level hash must not.
 *
 * Names in `Intl.supportedValuesOf('timeZone')` are ICU's canonical ones and are
 * answered from a Set. That list has one name per zone, so aliases, other spellings and
 * unknown names go to `new Intl.DateTimeFormat`, which costs tens of µs; its answers,
 * refusals included, are cached. Malformed values never reach a cache or Intl.
 */
export function createTimezoneParser(options: TimezoneParserOptions = {}): TimezoneParser {
  const cache = options.cache ?? new LruCache<string, TimezoneResult>({ max: 2_000 })
  const canonical = new Map<string, TimezoneResult>()
  for (const zone of Intl.supportedValuesOf('timeZone')) canonical.set(zone, Object.freeze({ timezone: zone, reason: null }))
  return (value) => {
    // typeof: replayed events are JSON and may hold anything.
    if (typeof value !== 'string' || value === '') return MISSING
    if (value.length > MAX_TIMEZONE) return OVERSIZED
    if (!wellFormed(value)) return INVALID_CHARSET
    const known = canonical.get(value)
    if (known !== undefined) return known
    const hit = cache.get(value)
    if (hit !== undefined) return hit
    const result = resolve(value)
    cache.set(value, result)
    return result
  }
}

/** The process-wide parser. */
export const parseTimezone: TimezoneParser = createTimezoneParser()

function resolve(value: string): TimezoneResult {
  try {
    const timezone = new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone
    return timezone ? Object.freeze({ timezone, reason: null }) : UNKNOWN_ZONE
  } catch {
    return UNKNOWN_ZONE
  }
}

/**
 * Segments of letters, digits, `_`, `-` and `+` separated by single `/`; no empty, `.`
 * or `..` segment can pass, so a value never looks like a path. Offsets like
 * `Etc/GMT+5` and `UTC` pass; `+05:00` does not (ICU would accept it, but it is an
 * offset, not a zone, and says nothing the browser's zone would not).
 */
function wellFormed(value: string): boolean {
  let segment = 0
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c === 47 /* / */) {
      if (segment === 0) return false
      segment = 0
      continue
    }
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 43
    if (!ok) return false
    segment++
  }
  return segment > 0 && isLetter(value.charCodeAt(0))
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
}
