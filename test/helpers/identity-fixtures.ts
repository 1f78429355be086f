import type { FingerprintEntity } from '../../src/identity/fingerprint-entity.js'
import { IdentityEngine } from '../../src/identity/identity-engine.js'
import type { IdentitySignals } from '../../src/identity/identity-signals.js'
import type { IdentityState } from '../../src/identity/identity-state.js'
import { MemoryIdentityState } from '../../src/identity/memory-identity-state.js'
import { parseUserAgent } from '../../src/signals/user-agent.js'

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

/** The engine as the service configures it by default (SESSION_WINDOW 6 h, MIN_CONFIDENCE 50). */
export function testEngine(state: IdentityState = new MemoryIdentityState()): IdentityEngine {
  return new IdentityEngine({ state, sessionWindowMs: 6 * HOUR, minConfidence: 50 })
}

/** A human click's signals: a plain redirect from a home router unless `over` says otherwise. */
export function signalsOf(userAgent: string, over: Partial<IdentitySignals> & { ts: number }): IdentitySignals {
  return {
    linkId: 1, ipHash: 'ip-home', prefixHash: 'net-home', cookieId: null, newCookieId: null, sdkDevice: null, sdkBrowser: null,
    timezone: null, ua: parseUserAgent(userAgent), userAgent, language: 'it', accept: 'text/html', geo: null,
    ...over,
  }
}

/** A stored context as the state holds it, for tests of the state itself. */
export function entityOf(key: string, firstSeen: number, over: Partial<FingerprintEntity> = {}): FingerprintEntity {
  return {
    key, firstSeen, lastSeen: firstSeen, deviceHash: 'd', browserHash: 'b', primaryHash: 'p', sessionHash: 's', sdkDevice: null, sdkBrowser: null,
    browserName: 'Chrome', osName: 'Mac OS', deviceType: 'desktop', ipHash: 'ip', prefixHash: 'net', confidence: 60, correlationType: null, factors: [], linkedFrom: 'ip',
    geo: null, geoSince: firstSeen,
    ...over,
  }
}
