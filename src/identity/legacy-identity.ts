import { createHash } from 'node:crypto'

export interface Identity {
  browserId: string
  deviceId: string
  /** 0–100: how sure the engine is that this id names one real browser/device. */
  confidence: number
  source: 'cookie' | 'server_generated'
  fingerprintVersion: number
}

export const LEGACY_FINGERPRINT_VERSION = 0

/**
 * The previous algorithm (seed 002 "legacy"): one identity per cookie; a first visit
 * without a cookie gets a new one. With no cookie at all (strict privacy, or a client
 * that drops cookies) the identity falls back to the address and user agent.
 */
export function legacyIdentity(input: { cookieId: string | null; newCookieId: string | null; ipHash: string; userAgent: string }): Identity {
  const cookieId = input.cookieId ?? input.newCookieId
  if (cookieId !== null) {
    const source = input.cookieId !== null ? 'cookie' : 'server_generated'
    return { browserId: cookieId, deviceId: cookieId, confidence: source === 'cookie' ? 90 : 60, source, fingerprintVersion: LEGACY_FINGERPRINT_VERSION }
  }
  const id = createHash('sha256').update(input.ipHash).update('\0').update(input.userAgent).digest('base64url').slice(0, 22)
  return { browserId: id, deviceId: id, confidence: 40, source: 'server_generated', fingerprintVersion: LEGACY_FINGERPRINT_VERSION }
}
