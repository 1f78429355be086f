import { describe, expect, it } from 'vitest'
import { LruCache } from '../../src/signals/lru-cache.js'
import { createTimezoneParser, MAX_TIMEZONE, parseTimezone, type TimezoneResult } from '../../src/signals/timezone.js'

describe('parseTimezone', () => {
  it('accepts IANA zones', () => {
    for (const zone of ['Europe/Rome', 'America/New_York', 'America/Argentina/Buenos_Aires', 'Pacific/Auckland', 'Etc/GMT+5', 'Etc/GMT-14', 'UTC']) {
      const result = parseTimezone(zone)
      expect(result.reason, zone).toBeNull()
      expect(result.timezone, zone).not.toBeNull()
    }
    expect(parseTimezone('Europe/Rome')).toEqual({ timezone: 'Europe/Rome', reason: null })
  })

  it('canonicalises case and aliases so one device reads the same from every browser', () => {
    expect(parseTimezone('europe/rome').timezone).toBe('Europe/Rome')
    expect(parseTimezone('EUROPE/ROME').timezone).toBe('Europe/Rome')
    // Chrome says Asia/Calcutta, Firefox Asia/Kolkata: both become the runtime's one name.
    expect(parseTimezone('Asia/Kolkata').timezone).toBe(parseTimezone('Asia/Calcutta').timezone)
    expect(parseTimezone('Europe/Kyiv').timezone).toBe(parseTimezone('Europe/Kiev').timezone)
    expect(parseTimezone('US/Eastern').timezone).toBe('America/New_York')
    expect(parseTimezone('Etc/UTC').timezone).toBe(parseTimezone('UTC').timezone)
  })

  it('reports a missing header', () => {
    expect(parseTimezone(undefined)).toEqual({ timezone: null, reason: 'missing' })
    expect(parseTimezone('')).toEqual({ timezone: null, reason: 'missing' })
  })

  it.each([
    '../../etc/passwd',
    '/etc/passwd',
    'Europe/../Rome',
    'Europe//Rome',
    'Europe/Rome/',
    'Europe/Rome\u0000',
    'Europe/Rome ',
    '<script>',
    "Europe/Rome'; DROP TABLE clicks;--",
    '+05:00',
    '5',
    '_Europe/Rome',
    'Europe\\Rome',
    'Europa/Röm',
  ])('refuses the malformed %j', (value) => {
    expect(parseTimezone(value)).toEqual({ timezone: null, reason: 'invalid_charset' })
  })

  it('refuses well-formed names that are no zone', () => {
    expect(parseTimezone('Europe/Atlantis')).toEqual({ timezone: null, reason: 'unknown_zone' })
    expect(parseTimezone('Mars/Olympus_Mons')).toEqual({ timezone: null, reason: 'unknown_zone' })
  })

  it('refuses oversized values', () => {
    expect(parseTimezone(`Europe/${'A'.repeat(MAX_TIMEZONE)}`)).toEqual({ timezone: null, reason: 'oversized' })
    expect(parseTimezone('x'.repeat(10_000))).toEqual({ timezone: null, reason: 'oversized' })
  })

  it('answers canonical names without the cache and caches the rest, refusals included', () => {
    const cache = new LruCache<string, TimezoneResult>({ max: 10 })
    const parse = createTimezoneParser({ cache })
    parse('Europe/Rome')
    parse('../x')
    expect(cache.size).toBe(0)
    const a = parse('europe/rome')
    expect(parse('europe/rome')).toBe(a)
    parse('Europe/Atlantis')
    expect(cache.size).toBe(2)
    expect(Object.isFrozen(a)).toBe(true)
  })
})
