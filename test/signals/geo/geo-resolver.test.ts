import { describe, expect, it } from 'vitest'
import { GeoResolver, stabilise, type GeoRequest } from '../../../src/signals/geo/geo-resolver.js'
import type { GeoResult } from '../../../src/signals/geo/geo-result.js'
import { hashIp } from '../../../src/signals/ip-hash.js'
import { LruCache } from '../../../src/signals/lru-cache.js'

const key = 'test-key'
const palermo: GeoResult = { country: 'IT', region: 'Sicily', city: 'Palermo', source: 'database', confidence: 80 }
const rome: GeoResult = { country: 'IT', region: 'Lazio', city: 'Rome', source: 'database', confidence: 80 }

function request(ip: string, extra: Partial<GeoRequest> = {}): GeoRequest {
  return { ip, prefixHash: hashIp(ip, key).prefixHash, headers: {}, peerTrusted: false, languageRegion: null, timezone: null, ...extra }
}

function fakeDatabase(answers: Record<string, GeoResult | null>) {
  const calls: string[] = []
  return { calls, lookup: (ip: string) => (calls.push(ip), answers[ip] ?? null) }
}

describe('GeoResolver', () => {
  it('edge headers from a trusted peer win over everything', () => {
    const db = fakeDatabase({ '93.45.12.7': palermo })
    const resolver = new GeoResolver({ database: db, cacheTtlMs: 1_000, now: () => 0 })
    const result = resolver.resolve(request('93.45.12.7', { peerTrusted: true, headers: { 'cf-ipcountry': 'IT', 'cf-region': 'Lazio' } }))
    expect(result).toMatchObject({ country: 'IT', region: 'Lazio', source: 'edge', confidence: 95 })
    expect(db.calls).toEqual([])
  })

  it('forged edge headers from an untrusted peer are ignored', () => {
    const db = fakeDatabase({ '93.45.12.7': palermo })
    const resolver = new GeoResolver({ database: db, cacheTtlMs: 1_000, now: () => 0 })
    expect(resolver.resolve(request('93.45.12.7', { headers: { 'x-vercel-ip-country': 'US' } }))).toEqual(palermo)
  })

  it('then the database, then the API (read from its cache), then inference', () => {
    const db = fakeDatabase({ '93.45.12.7': palermo })
    const apiAnswer: GeoResult = { country: 'FR', region: null, city: 'Paris', source: 'api', confidence: 85 }
    const peeks: string[] = []
    const api = { peek: (prefixHash: string, ip: string) => (peeks.push(ip), ip === '198.51.100.1' ? apiAnswer : null) }
    const resolver = new GeoResolver({ database: db, api, cacheTtlMs: 1_000, now: () => 0 })
    expect(resolver.resolve(request('93.45.12.7'))).toEqual(palermo)
    expect(peeks).toEqual([]) // the API is not asked about networks the database knows
    expect(resolver.resolve(request('198.51.100.1'))).toEqual(apiAnswer)
    expect(resolver.resolve(request('10.0.0.1', { languageRegion: 'IT', timezone: 'Europe/Rome' }))).toMatchObject({ country: 'IT', source: 'inference', confidence: 60 })
    expect(resolver.resolve(request('10.0.0.1'))).toBeNull()
  })

  it('works with no database and no API', () => {
    const resolver = new GeoResolver({ cacheTtlMs: 1_000, now: () => 0 })
    expect(resolver.resolve(request('93.45.12.7', { timezone: 'Asia/Tokyo' }))).toMatchObject({ country: 'JP', source: 'inference' })
  })

  it('caches database answers per prefix hash, never per address, for GEO_CACHE_DURATION', () => {
    let t = 0
    const db = fakeDatabase({ '93.45.12.7': palermo, '93.45.12.8': rome })
    const cache = new LruCache<string, GeoResult | null>({ max: 100, ttl: 1_000, now: () => t })
    const resolver = new GeoResolver({ database: db, cacheTtlMs: 1_000, now: () => t, cache })
    expect(resolver.resolve(request('93.45.12.7'))).toEqual(palermo)
    // same /24: answered from the cache
    expect(resolver.resolve(request('93.45.12.8'))).toEqual(palermo)
    expect(db.calls).toEqual(['93.45.12.7'])
    const keys = [...cache.keys()]
    expect(keys).toEqual([hashIp('93.45.12.7', key).prefixHash])
    for (const k of keys) expect(k).not.toContain('93.45')
    t = 1_000
    expect(resolver.resolve(request('93.45.12.8'))).toEqual(rome)
    expect(db.calls).toEqual(['93.45.12.7', '93.45.12.8'])
  })

  it('caches "no answer" too', () => {
    const db = fakeDatabase({})
    const resolver = new GeoResolver({ database: db, cacheTtlMs: 1_000, now: () => 0 })
    resolver.resolve(request('10.0.0.1'))
    resolver.resolve(request('10.0.0.2'))
    expect(db.calls).toEqual(['10.0.0.1'])
  })

  it('GEO_CACHE_DURATION=0 turns the cache off', () => {
    const db = fakeDatabase({ '93.45.12.7': palermo })
    const resolver = new GeoResolver({ database: db, cacheTtlMs: 0, now: () => 0 })
    resolver.resolve(request('93.45.12.7'))
    resolver.resolve(request('93.45.12.7'))
    expect(db.calls).toHaveLength(2)
  })
})

describe('stabilise', () => {
  const edgeRome: GeoResult = { country: 'IT', region: 'Lazio', city: 'Rome', source: 'edge', confidence: 95 }
  const inferredIt: GeoResult = { country: 'IT', region: null, city: null, source: 'inference', confidence: 60 }
  const paris: GeoResult = { country: 'FR', region: 'Île-de-France', city: 'Paris', source: 'database', confidence: 80 }
  const apiParis: GeoResult = { ...paris, source: 'api', confidence: 85 }

  it('keeps Palermo when an equally strong answer says Rome (seed 002: Sicily vs Lazio)', () => {
    expect(stabilise(palermo, rome)).toBe(palermo)
    // and a whole day of flapping answers never moves it
    let current: GeoResult | null = palermo
    for (let i = 0; i < 100; i++) current = stabilise(current, i % 2 ? rome : palermo)
    expect(current).toBe(palermo)
  })

  it('moves to a stronger source', () => {
    expect(stabilise(palermo, edgeRome)).toBe(edgeRome)
    expect(stabilise(inferredIt, palermo)).toBe(palermo)
  })

  it('does not move to a weaker source', () => {
    expect(stabilise(edgeRome, palermo)).toBe(edgeRome)
    expect(stabilise(palermo, inferredIt)).toBe(palermo)
  })

  it('moves to another country only with higher confidence', () => {
    expect(stabilise(palermo, paris)).toBe(palermo)
    expect(stabilise(palermo, apiParis)).toBe(apiParis)
    expect(stabilise(inferredIt, paris)).toBe(paris)
    expect(stabilise(edgeRome, apiParis)).toBe(edgeRome)
  })

  it('lets an equally strong answer complete a country-only one', () => {
    const countryOnly: GeoResult = { country: 'IT', region: null, city: null, source: 'database', confidence: 80 }
    expect(stabilise(countryOnly, palermo)).toBe(palermo)
  })

  it('lets go of an old answer (people move)', () => {
    expect(stabilise(palermo, paris, { previousAgeMs: 8 * 86_400_000 })).toBe(paris)
    expect(stabilise(palermo, paris, { previousAgeMs: 3_600_000 })).toBe(palermo)
    expect(stabilise(palermo, paris, { previousAgeMs: 3_600_000, staleAfterMs: 3_600_000 })).toBe(paris)
  })

  it('handles missing answers on either side', () => {
    expect(stabilise(null, palermo)).toBe(palermo)
    expect(stabilise(undefined, palermo)).toBe(palermo)
    expect(stabilise(palermo, null)).toBe(palermo)
    expect(stabilise(null, null)).toBeNull()
    const noCountry: GeoResult = { country: null, region: null, city: null, source: 'database', confidence: 80 }
    expect(stabilise(noCountry, palermo)).toBe(palermo)
    expect(stabilise(palermo, noCountry)).toBe(palermo)
  })
})
