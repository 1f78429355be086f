import { createHash } from 'node:crypto'
import type { IdentitySignals } from './identity-signals.js'

/** Bumped whenever a hash below changes meaning; every click records the version that made it. */
export const FINGERPRINT_VERSION = 1

/** Seed 002's components. */
export interface Fingerprints {
  /** Cross-browser signals only: OS, device class and model, primary language, country, time zone when the SDK sent one. */
  readonly deviceStableHash: string
  /** What differs between browsers of one device: family, engine, Accept, in-app host. */
  readonly browserComponent: string
  /** The browser on this network within SESSION_WINDOW: links a cookie-less window to its install. */
  readonly sessionHash: string
  readonly primaryFingerprint: string
}

function hash(...parts: Array<string | null | undefined>): string {
  return createHash('sha256').update(parts.map((p) => p ?? '').join('\u0001')).digest('base64url').slice(0, 22)
}

export function computeFingerprints(s: IdentitySignals, sessionWindowMs: number): Fingerprints {
  const { ua } = s
  // The OS version and the browser version are left out on purpose: both change with
  // every update, and an update does not make a new device or a new browser.
  const deviceStableHash = hash('d1', ua.os.name, ua.device.type, ua.device.vendor, ua.device.model, s.language, s.geo?.country, s.timezone)
  const browserComponent = hash('b1', ua.browser.name, ua.engine.name, ua.inApp, s.accept)
  const sessionHash = hash('s1', s.prefixHash, deviceStableHash, browserComponent, s.userAgent, String(Math.floor(s.ts / sessionWindowMs)))
  const primaryFingerprint = hash('p1', deviceStableHash, browserComponent, ua.browser.major)
  return { deviceStableHash, browserComponent, sessionHash, primaryFingerprint }
}
