import { createHash, randomBytes } from 'node:crypto'

export const API_KEY_PREFIX = 'lp_'

/** 256 random bits; only the SHA-256 is stored, which suffices for a key with this much entropy. */
export function generateApiKey(): { key: string; prefix: string; keyHash: string } {
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url')
  return { key, prefix: key.slice(0, 10), keyHash: hashApiKey(key) }
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('base64url')
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(API_KEY_PREFIX) && value.length === API_KEY_PREFIX.length + 43
}
