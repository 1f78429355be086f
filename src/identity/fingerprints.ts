import { hash as digest } from 'node:crypto'
import { LruCache } from '../signals/lru-cache.js'
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
  return digest('sha256', parts.map((p) => p ?? '').join('\u0001'), 'base64url').slice(0, 22)
}

type Components = Omit<Fingerprints, 'sessionHash'>

/** The network-independent components repeat across clicks (few distinct browsers per population): hashed once each. */
const componentCache = new LruCache<string, Components>({ max: 20_000 })

export function computeFingerprints(s: IdentitySignals, sessionWindowMs: number): Fingerprints {
  const { ua } = s
  const cacheKey = [ua.os.name, ua.device.type, ua.device.vendor, ua.device.model, s.language, s.geo?.country, s.timezone, ua.browser.name, ua.engine.name, ua.inApp, s.accept, ua.browser.major].join('\u0001')
  let components = componentCache.get(cacheKey)
  if (!components) {
    // The OS version and the browser version are left out of the device and browser
    // components on purpose: both change with every update, and an update makes
    // neither a new device nor a new browser.
    const deviceStableHash = hash('d1', ua.os.name, ua.device.type, ua.device.vendor, ua.device.model, s.language, s.geo?.country, s.timezone)
    const browserComponent = hash('b1', ua.browser.name, ua.engine.name, ua.inApp, s.accept)
    components = { deviceStableHash, browserComponent, primaryFingerprint: hash('p1', deviceStableHash, browserComponent, ua.browser.major) }
    componentCache.set(cacheKey, components)
  }
  const sessionHash = hash('s1', s.prefixHash, components.deviceStableHash, components.browserComponent, s.userAgent, String(Math.floor(s.ts / sessionWindowMs)))
  return { ...components, sessionHash }
}
