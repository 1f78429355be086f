import { SDK_HASH_VERSION, sdkHashVersion, versionedHash } from '../sdk-hash-format.js'
import { browserSignals } from './browser-signals.js'
import { canonicalComponents, type Components } from './device-components.js'
import { deviceSignals } from './device-signals.js'
import { sha256Base64url } from './sha256.js'

/**
 * The algorithm's version, carried in each hash (sdk-hash-format.ts) and in the stored
 * fingerprint: a stored fingerprint of another version is made again, so one browser
 * never sends hashes of two algorithms; the server reads the version off each click's hash.
 */
export const FINGERPRINT_VERSION = SDK_HASH_VERSION

/** Seed 000's key; the value is JSON (below), not the bare hash, so that it can carry its version. */
export const STORAGE_KEY = 'device_fingerprint'

export interface Fingerprint {
  readonly version: number
  /** `X-Device-Fingerprint`: `v2_` and 43 base64url characters. */
  readonly device: string
  /** `X-Browser-Fingerprint`, the same shape. */
  readonly browser: string
  /** The browser it was made in: an updated browser renders differently, so it is made again. */
  readonly userAgent: string
  readonly createdAt: number
}

export interface FingerprintDetails extends Fingerprint {
  readonly components: { readonly device: Components; readonly browser: Components }
}

/**
 * The device hash alone: no canvas, no WebGL, under 1 ms of signals (bench/device-signals.ts),
 * for a caller with a deadline (the bridge page) that cannot wait for the browser hash.
 */
export async function deviceFingerprint(): Promise<string> {
  return hashOf('device', deviceSignals())
}

/** Makes both hashes now, with what went into them (for the test page). */
export async function generateFingerprint(): Promise<FingerprintDetails> {
  const device = deviceSignals()
  const browser = await browserSignals()
  return {
    version: FINGERPRINT_VERSION,
    device: await hashOf('device', device),
    // The device's signals are part of the browser's: one install lives on one device.
    browser: await hashOf('browser', { ...device, ...browser }),
    userAgent: navigator.userAgent,
    createdAt: Date.now(),
    components: { device, browser },
  }
}

async function hashOf(kind: 'device' | 'browser', components: Components): Promise<string> {
  return versionedHash(FINGERPRINT_VERSION, await sha256Base64url(canonicalComponents(kind, FINGERPRINT_VERSION, components)))
}

/** The stored fingerprint when it is of this version and this browser, else null. */
export function storedFingerprint(): Fingerprint | null {
  const raw = storage()?.getItem(STORAGE_KEY)
  if (!raw) return null
  try {
    const value = JSON.parse(raw) as Partial<Fingerprint>
    if (value.version !== FINGERPRINT_VERSION || value.userAgent !== navigator.userAgent) return null
    // A value edited by hand in storage is not sent.
    if (typeof value.device !== 'string' || typeof value.browser !== 'string' || sdkHashVersion(value.device) !== FINGERPRINT_VERSION || sdkHashVersion(value.browser) !== FINGERPRINT_VERSION) return null
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

function storage(): Storage | null {
  try {
    return window.localStorage
  } catch {
    // Blocked storage throws on access (cookies disabled in Chromium, sandboxed frames).
    return null
  }
}
