import { browserSignals } from './browser-signals.js'
import { deviceSignals, type Components } from './device-signals.js'
import { sha256Base64url } from './sha256.js'

/**
 * Bumped whenever the signals or their encoding change: a stored fingerprint of another
 * version is made again, so one device never carries hashes of two algorithms.
 */
export const FINGERPRINT_VERSION = 1

/** Seed 000's key; the value is JSON (below), not the bare hash, so that it can carry its version. */
export const STORAGE_KEY = 'device_fingerprint'

export interface Fingerprint {
  readonly version: number
  /** `X-Device-Fingerprint`: 43 base64url characters. */
  readonly device: string
  /** `X-Browser-Fingerprint`. */
  readonly browser: string
  /** The browser it was made in: an updated browser renders differently, so it is made again. */
  readonly userAgent: string
  readonly createdAt: number
}

export interface FingerprintDetails extends Fingerprint {
  readonly components: { readonly device: Components; readonly browser: Components }
}

/** Makes both hashes now, with what went into them (for the test page). */
export async function generateFingerprint(): Promise<FingerprintDetails> {
  const device = deviceSignals()
  const browser = await browserSignals()
  return {
    version: FINGERPRINT_VERSION,
    device: await sha256Base64url(canonical('device', device)),
    // The device's signals are part of the browser's: one install lives on one device.
    browser: await sha256Base64url(canonical('browser', { ...device, ...browser })),
    userAgent: navigator.userAgent,
    createdAt: Date.now(),
    components: { device, browser },
  }
}

/** The stored fingerprint when it is of this version and this browser, else null. */
export function storedFingerprint(): Fingerprint | null {
  const raw = storage()?.getItem(STORAGE_KEY)
  if (!raw) return null
  try {
    const value = JSON.parse(raw) as Partial<Fingerprint>
    if (value.version !== FINGERPRINT_VERSION || value.userAgent !== navigator.userAgent) return null
    if (typeof value.device !== 'string' || typeof value.browser !== 'string' || !HASH.test(value.device) || !HASH.test(value.browser)) return null
    return { version: value.version, device: value.device, browser: value.browser, userAgent: value.userAgent, createdAt: Number(value.createdAt) || 0 }
  } catch {
    return null
  }
}

export function storeFingerprint(fp: Fingerprint): void {
  const { version, device, browser, userAgent, createdAt } = fp
  try {
    storage()?.setItem(STORAGE_KEY, JSON.stringify({ version, device, browser, userAgent, createdAt }))
  } catch {
    // Storage full or refused (some private modes): the fingerprint is made again next page, to the same value.
  }
}

export function forgetFingerprint(): void {
  try {
    storage()?.removeItem(STORAGE_KEY)
  } catch {
    // Nothing stored, nothing to forget.
  }
}

/** What the server accepts (visitor-identifier.ts SDK_HASH): a value edited by hand in storage is not sent. */
const HASH = /^[A-Za-z0-9_-]{43}$/

/**
 * A stable text of the components: keys sorted, values JSON-encoded, prefixed with the
 * kind and version, so that reordering code never changes a hash and the two kinds never collide.
 */
function canonical(kind: string, components: Components): string {
  const keys = Object.keys(components).sort()
  return `linkprint:${kind}:v${FINGERPRINT_VERSION}|` + keys.map((k) => `${k}=${JSON.stringify(components[k])}`).join('|')
}

function storage(): Storage | null {
  try {
    return window.localStorage
  } catch {
    // Blocked storage throws on access (cookies disabled in Chromium, sandboxed frames).
    return null
  }
}
