import { hash as digest } from 'node:crypto'
import { LruCache } from '../signals/lru-cache.js'
import type { UserAgentInfo } from '../signals/user-agent.js'
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

/**
 * The same, found from the user agent parser's result when it is the parser's own (frozen,
 * one object per distinct UA and hints, shared by all their requests): the eight parts it
 * decides need not be joined into the key, only the four the request adds. A few
 * combinations of those per user agent; past that its map starts afresh.
 */
const byUserAgent = new WeakMap<UserAgentInfo, Map<string, Components>>()
const PER_USER_AGENT = 64

function componentsOf(s: IdentitySignals): Components {
  const { ua } = s
  if (!Object.isFrozen(ua)) return cachedComponents(s)
  let known = byUserAgent.get(ua)
  if (!known) byUserAgent.set(ua, (known = new Map()))
  // \u0001 cannot occur in the first three (validated language, country, time zone), so the key is unambiguous.
  const key = `${s.language ?? ''}\u0001${s.geo?.country ?? ''}\u0001${s.timezone ?? ''}\u0001${s.accept ?? ''}`
  let components = known.get(key)
  if (!components) {
    components = cachedComponents(s)
    if (known.size >= PER_USER_AGENT) known.clear()
    known.set(key, components)
  }
  return components
}

function cachedComponents(s: IdentitySignals): Components {
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
  return components
}

export function computeFingerprints(s: IdentitySignals, sessionWindowMs: number): Fingerprints {
  const components = componentsOf(s)
  const sessionHash = hash('s1', s.prefixHash, components.deviceStableHash, components.browserComponent, s.userAgent, String(Math.floor(s.ts / sessionWindowMs)))
  return { deviceStableHash: components.deviceStableHash, browserComponent: components.browserComponent, primaryFingerprint: components.primaryFingerprint, sessionHash }
}
