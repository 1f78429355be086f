import { hkdfSync } from 'node:crypto'

export interface SecretKeys {
  readonly ipHash: Buffer
  readonly cookie: Buffer
  readonly accessToken: Uint8Array
  /** Keys the device-fingerprint hashes sessions are bound to (src/sessions). */
  readonly sessionBinding: Uint8Array
  /** Keys the session named in an access token (auth/access-tokens.ts), so the database alone cannot name one. */
  readonly tokenSession: Uint8Array
}

/** One SECRET, a separate key per purpose, so a key leaked from one use opens no other. */
export function deriveSecretKeys(secret: string): SecretKeys {
  const derive = (purpose: string) => Buffer.from(hkdfSync('sha256', secret, 'linkprint', purpose, 32))
  return { ipHash: derive('ip-hash'), cookie: derive('device-cookie'), accessToken: new Uint8Array(derive('access-token')), sessionBinding: new Uint8Array(derive('session-binding')), tokenSession: new Uint8Array(derive('token-session')) }
}
