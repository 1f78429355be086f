import { describe, expect, it } from 'vitest'
import { countryOfTimezone, inferenceGeo, ZONE_COUNTRY } from '../../../src/signals/geo/inference-geo.js'
import { parseTimezone } from '../../../src/signals/timezone.js'

describe('inferenceGeo', () => {
  it('60 when language region and zone agree', () => {
    expect(inferenceGeo({ languageRegion: 'IT', timezone: 'Europe/Rome' })).toEqual({ country: 'IT', region: null, city: null, source: 'inference', confidence: 60 })
  })

  it('the zone alone gives 60, the language alone 50', () => {
    expect(inferenceGeo({ languageRegion: null, timezone: 'America/Sao_Paulo' })).toMatchObject({ country: 'BR', confidence: 60 })
    expect(inferenceGeo({ languageRegion: 'de', timezone: null })).toMatchObject({ country: 'DE', confidence: 50 })
  })

  it('prefers the zone at lower confidence when they disagree', () => {
    expect(inferenceGeo({ languageRegion: 'IT', timezone: 'Europe/London' })).toMatchObject({ country: 'GB', confidence: 40 })
  })

  it('knows nothing from numeric regions, unknown or countryless zones', () => {
    expect(inferenceGeo({ languageRegion: '419', timezone: null })).toBeNull()
    expect(inferenceGeo({ languageRegion: null, timezone: 'UTC' })).toBeNull()
    expect(inferenceGeo({ languageRegion: null, timezone: 'Etc/GMT+5' })).toBeNull()
    expect(inferenceGeo({ languageRegion: null, timezone: null })).toBeNull()
    expect(inferenceGeo({ languageRegion: 'I1', timezone: null })).toBeNull()
  })

  it('covers the names this runtime canonicalises zones to', () => {
    for (const [zone, country] of [['Asia/Kolkata', 'IN'], ['Europe/Kyiv', 'UA'], ['Asia/Ho_Chi_Minh', 'VN'], ['America/Argentina/Buenos_Aires', 'AR'], ['US/Pacific', 'US']] as const) {
      const canonical = parseTimezone(zone).timezone
      expect(canonical, zone).not.toBeNull()
      expect(countryOfTimezone(canonical!), `${zone} → ${canonical}`).toBe(country)
    }
  })

  it('only lists zones the runtime knows', () => {
    // Every key must be accepted by the timezone validator, or the table has a typo.
    const keys = Object.keys(ZONE_COUNTRY)
    expect(keys.length).toBeGreaterThan(150)
    for (const key of keys) expect(parseTimezone(key).reason, key).toBeNull()
    for (const country of Object.values(ZONE_COUNTRY)) expect(country).toMatch(/^[A-Z]{2}$/)
  })
})
