import { createHash } from 'node:crypto'
import { DEVICE_COOKIE, readCookie, type DeviceCookie } from '../identity/device-cookie.js'
import type { IdentitySource } from '../identity/identity-engine.js'
import { parseTimezone } from '../signals/timezone.js'
import type { PlainRequest } from './plain-request.js'

/** Why a client header was not used; the request goes on with the next tier. */
export interface SignalRejection {
  readonly signal: string
  readonly reason: 'oversized' | 'malformed' | 'repeated' | 'privacy' | 'invalid_signature' | 'unknown_zone' | 'invalid_charset'
}

/** Who an anonymous request comes from, and which of seed 000's tiers said so. */
export interface VisitorIdentity {
  readonly source: IdentitySource
  /**
   * The device-level key: the SDK's device hash (client_header), the `device_fp` cookie's
   * browser id (cookie), or one the server made (server_generated: a new cookie id, or a
   * hash of network and headers where no cookie may be set).
   */
  readonly deviceKey: string
  /** The SDK's browser hash, when sent and accepted. */
  readonly browserKey: string | null
  readonly timezone: string | null
  readonly rejected: readonly SignalRejection[]
}

/** What the privacy mode allows for this request. */
export interface PrivacyChoice {
  readonly cookies: boolean
  readonly fingerprints: boolean
}

export interface Identification {
  readonly identity: VisitorIdentity
  /** The SDK device fingerprint when it was accepted: what sessions are bound to. */
  readonly fingerprint: string | null
  /** A new `device_fp` cookie to set (server_generated with cookies allowed). */
  readonly setCookie: string | null
}

export interface VisitorIdentifierOptions {
  /** Verifies and issues `device_fp`; without one the cookie tier is skipped. */
  readonly deviceCookie?: DeviceCookie | null
  readonly privacy: (request: PlainRequest) => PrivacyChoice
  /** A keyed hash of the client's network: the server-generated key where no cookie may be set. */
  readonly networkOf: (ip: string) => string
  /** When a new device_fp id is issued (ids begin with it); `Date.now` by default. */
  readonly now?: () => number
}

/** The same rule as the click pipeline's read_client_fingerprint: SDK hashes are hex or base64(url) digests. */
export const SDK_HASH = /^[A-Za-z0-9_+/=-]{8,128}$/
export const MAX_FINGERPRINT = 128

/**
 * Seed 000's four tiers, in order: request cache → client header → cookie → server
 * generation. With a valid X-Device-Fingerprint nothing is computed: the header is
 * validated and used as it is (the seed's "0 ms" path).
 */
export class VisitorIdentifier {
  readonly #options: VisitorIdentifierOptions
  // Tier 1: a request already identified (a second hook, a handler asking again) is answered from here.
  // Keyed by the headers object, which every view of one request shares.
  readonly #resolved = new WeakMap<object, Identification>()

  constructor(options: VisitorIdentifierOptions) {
    this.#options = options
  }

  identify(request: PlainRequest): Identification {
    const cached = this.#resolved.get(request.headers)
    if (cached) return { identity: { ...cached.identity, source: 'request_cache' }, fingerprint: cached.fingerprint, setCookie: null }
    const result = this.#identify(request)
    this.#resolved.set(request.headers, result)
    return result
  }

  /** The accepted X-Device-Fingerprint, or why not (used by login and recovery without identifying). */
  fingerprintOf(request: PlainRequest): { value: string | null; rejection: SignalRejection | null } {
    const choice = this.#options.privacy(request)
    return readSdkHash(request, 'x-device-fingerprint', choice.fingerprints)
  }

  #identify(request: PlainRequest): Identification {
    const choice = this.#options.privacy(request)
    const rejected: SignalRejection[] = []
    const device = readSdkHash(request, 'x-device-fingerprint', choice.fingerprints)
    if (device.rejection) rejected.push(device.rejection)
    if (device.value !== null) {
      const browser = readSdkHash(request, 'x-browser-fingerprint', choice.fingerprints)
      if (browser.rejection) rejected.push(browser.rejection)
      const tz = parseTimezone(single(request.headers['x-timezone']))
      if (tz.reason === 'unknown_zone' || tz.reason === 'invalid_charset') rejected.push({ signal: 'x-timezone', reason: tz.reason })
      else if (tz.reason === 'oversized') rejected.push({ signal: 'x-timezone', reason: 'oversized' })
      return {
        identity: { source: 'client_header', deviceKey: device.value, browserKey: browser.value, timezone: tz.timezone, rejected },
        fingerprint: device.value,
        setCookie: null,
      }
    }

    const cookies = this.#options.deviceCookie && choice.cookies ? this.#options.deviceCookie : null
    if (cookies) {
      const raw = readCookie(single(request.headers.cookie), DEVICE_COOKIE)
      const id = cookies.verify(raw)
      if (id !== null) return { identity: { source: 'cookie', deviceKey: id, browserKey: null, timezone: null, rejected }, fingerprint: null, setCookie: null }
      if (raw !== undefined) rejected.push({ signal: DEVICE_COOKIE, reason: 'invalid_signature' })
      const fresh = cookies.newId((this.#options.now ?? Date.now)())
      return {
        identity: { source: 'server_generated', deviceKey: fresh, browserKey: null, timezone: null, rejected },
        fingerprint: null,
        setCookie: cookies.header(fresh, request.secure ?? false),
      }
    }
    // No cookie may be set: the network and the browser's headers stand in, never the raw address.
    const h = request.headers
    const key = createHash('sha256')
      .update(`${this.#options.networkOf(request.ip)}\u0000${single(h['user-agent'])?.slice(0, 512) ?? ''}\u0000${single(h['accept-language'])?.slice(0, 256) ?? ''}`)
      .digest('base64url')
      .slice(0, 22)
    return { identity: { source: 'server_generated', deviceKey: `g_${key}`, browserKey: null, timezone: null, rejected }, fingerprint: null, setCookie: null }
  }
}

function readSdkHash(request: PlainRequest, name: string, allowed: boolean): { value: string | null; rejection: SignalRejection | null } {
  const raw = request.headers[name]
  if (raw === undefined) return { value: null, rejection: null }
  if (!allowed) return { value: null, rejection: { signal: name, reason: 'privacy' } }
  if (typeof raw !== 'string') return { value: null, rejection: { signal: name, reason: 'repeated' } }
  if (raw.length > MAX_FINGERPRINT) return { value: null, rejection: { signal: name, reason: 'oversized' } }
  if (!SDK_HASH.test(raw)) return { value: null, rejection: { signal: name, reason: 'malformed' } }
  return { value: raw, rejection: null }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
