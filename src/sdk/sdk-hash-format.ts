/**
 * How the SDK's hashes carry the version of the algorithm that made them, shared by the
 * browser SDK (which writes it) and the server (which reads it from a stored click's
 * `sdk_device_hash`). Nothing here may use Node or the DOM: both sides bundle it.
 *
 * Version 1 sent the 43 base64url characters of a SHA-256 alone; from version 2 on, the
 * value is `v<version>_` and those 43 characters (46 for v2). The lengths differ, so a v1
 * value that happens to start with "v2_" is still read as v1, and every value stays inside
 * the server's accepted `[A-Za-z0-9_+/=-]{8,128}`.
 */
export const SDK_HASH_VERSION = 2

const DIGEST = /^[A-Za-z0-9_-]{43}$/
const VERSIONED = /^v([1-9][0-9]{0,2})_([A-Za-z0-9_-]{43})$/

/** A digest (43 base64url characters) as the SDK sends it for `version`. */
export function versionedHash(version: number, digest: string): string {
  return version === 1 ? digest : `v${version}_${digest}`
}

/** The algorithm version a value sent as `X-Device-Fingerprint` or `X-Browser-Fingerprint` was made by; null when it is no SDK hash. */
export function sdkHashVersion(value: string): number | null {
  if (DIGEST.test(value)) return 1
  const match = VERSIONED.exec(value)
  return match ? Number(match[1]) : null
}
