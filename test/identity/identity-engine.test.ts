import { describe, expect, it } from 'vitest'
import { IdentityEngine } from '../../src/identity/identity-engine.js'
import type { IdentitySignals } from '../../src/identity/identity-signals.js'
import { MemoryIdentityState } from '../../src/identity/memory-identity-state.js'
import { HOUR, signalsOf, testEngine as engine } from '../helpers/identity-fixtures.js'

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1'
function signals(over: Partial<IdentitySignals> & { ts: number }): IdentitySignals {
  return signalsOf(IPHONE, { sdkDevice: 'hash-iphone-15-it', sdkBrowser: 'hash-safari-18', timezone: 'Europe/Rome', ...over })
}

describe('identity engine', () => {
  it('is deterministic: the same signals in the same order give the same clusters', () => {
    const run = () => {
      const e = engine()
      return [
        e.resolve(signals({ ts: 0, newCookieId: 'a' })),
        e.resolve(signals({ ts: HOUR, newCookieId: 'b' })),
        e.resolve(signals({ ts: 2 * HOUR, cookieId: 'a' })),
      ].map((d) => [d.browserId, d.deviceId, d.confidence, d.source])
    }
    expect(run()).toEqual(run())
  })

  it('joins a new storage context of the same browser on the same network, and says how', () => {
    const e = engine()
    const first = e.resolve(signals({ ts: 0, newCookieId: 'normal' }))
    const privateWindow = e.resolve(signals({ ts: HOUR, newCookieId: 'private' }))
    expect(privateWindow.browserId).toBe(first.browserId)
    expect(privateWindow.factors).toContain('sdk_browser')
    expect(privateWindow.correlationType).toBe('exact')
    expect(privateWindow.browserUnique).toBe(false)
    expect(privateWindow.newEntity).not.toBeNull()
  })

  it('withdraws a merge that rested on an SDK hash once the hash shows up on two devices at once', () => {
    const e = engine()
    const anna = e.resolve(signals({ ts: 0, newCookieId: 'anna' }))
    // Days later, the same hash from another network: taken to be Anna's phone on the move…
    const roaming = e.resolve(signals({ ts: 72 * HOUR, newCookieId: 'bruno', ipHash: 'ip-cafe', prefixHash: 'net-cafe' }))
    expect(roaming.deviceId).toBe(anna.deviceId)
    expect(roaming.factors).toContain('sdk_roaming')
    // …until Anna's own cookie is seen at home while Bruno's context is at the café: two phones.
    e.resolve(signals({ ts: 72 * HOUR + 60_000, cookieId: 'bruno', ipHash: 'ip-cafe', prefixHash: 'net-cafe' }))
    const annaAgain = e.resolve(signals({ ts: 72 * HOUR + 120_000, cookieId: 'anna' }))
    expect(e.state.find('device', 'bruno')).not.toBe(e.state.find('device', 'anna'))
    expect(annaAgain.deviceId).toBe(anna.deviceId)
  })

  it('reports the rebuilt clusters so storage can follow them', () => {
    const e = engine()
    e.resolve(signals({ ts: 0, newCookieId: 'p' }))
    e.resolve(signals({ ts: 50 * HOUR, newCookieId: 'q', ipHash: 'ip-2', prefixHash: 'net-2' }))
    const split = e.resolve(signals({ ts: 50 * HOUR + 1000, cookieId: 'p' }))
    expect(split.reassigned.map((r) => r.key).sort()).toEqual(['p', 'q'])
    expect(new Set(split.reassigned.map((r) => r.deviceRoot)).size).toBe(2)
  })

  it('without a cookie (strict privacy, DNT, GPC) counts a browser once a UTC day and never follows it into the next', () => {
    const e = engine()
    const day = Date.parse('2026-11-20T00:00:00Z')
    const strict = (ts: number, linkId = 1) => e.resolve(signals({ ts, linkId, sdkDevice: null, sdkBrowser: null }))
    const morning = strict(day + HOUR)
    const evening = strict(day + 20 * HOUR)
    expect(evening.key).toBe(morning.key)
    expect([morning.browserUnique, evening.browserUnique]).toEqual([true, false])
    expect(morning.source).toBe('request_cache')
    const tomorrow = strict(day + 25 * HOUR)
    expect(tomorrow.key).not.toBe(morning.key)
    expect(tomorrow.browserUnique).toBe(true)
  })

  it('keeps working state bounded', () => {
    const state = new MemoryIdentityState({ maxEntities: 100, maxPerIndex: 8 })
    const e = new IdentityEngine({ state, sessionWindowMs: 6 * HOUR, minConfidence: 50 })
    for (let i = 0; i < 1000; i++) e.resolve(signals({ ts: i * 1000, newCookieId: `k${i}`, sdkDevice: `d${i}`, sdkBrowser: `b${i}`, ipHash: `ip${i % 7}` }))
    expect(state.get('k0')).toBeUndefined()
    expect(state.get('k999')).toBeDefined()
    expect([...state.onAddress('ip1')].length).toBeLessThanOrEqual(8)
  })
})

describe('per-device geo', () => {
  it('does not flap between regions on equal evidence (seed 002: Sicily vs Lazio)', () => {
    const e = engine()
    const palermo = { country: 'IT', region: 'Sicily', city: 'Palermo', source: 'database' as const, confidence: 80 }
    const rome = { country: 'IT', region: 'Lazio', city: 'Rome', source: 'database' as const, confidence: 80 }
    const first = e.resolve(signals({ ts: 0, newCookieId: 'phone', geo: palermo }))
    const second = e.resolve(signals({ ts: HOUR, cookieId: 'phone', geo: rome }))
    expect(first.geo).toEqual(palermo)
    expect(second.geo).toEqual(palermo)
    expect(second.fingerprints.deviceStableHash).toBe(first.fingerprints.deviceStableHash)
    // Stronger evidence (a trusted edge header) moves it.
    const edge = { ...rome, source: 'edge' as const, confidence: 95 }
    expect(e.resolve(signals({ ts: 2 * HOUR, cookieId: 'phone', geo: edge })).geo).toEqual(edge)
  })
})
