import { createHash } from 'node:crypto'
import { deriveSecretKeys } from '../config/secret-keys.js'

export interface TokenKey {
  /** Names the key in the token's header, so a verifier picks it without trying each. */
  readonly kid: string
  readonly key: Uint8Array
}

/**
 * The access-token keys: the current one signs, the previous ones still verify, so a key
 * can be rotated without logging everyone out (keep the old secret listed for one token
 * lifetime, 15 minutes, then drop it).
 */
export class TokenKeyring {
  readonly current: TokenKey
  readonly #byKid = new Map<string, TokenKey>()

  constructor(current: Uint8Array, previous: readonly Uint8Array[] = []) {
    this.current = keyOf(current)
    for (const key of [this.current, ...previous.map(keyOf)]) if (!this.#byKid.has(key.kid)) this.#byKid.set(key.kid, key)
  }

  /** From secrets as the environment gives them: each is stretched as SECRET is for its access-token key. */
  static fromSecrets(current: string, previous: readonly string[] = []): TokenKeyring {
    return new TokenKeyring(deriveSecretKeys(current).accessToken, previous.map((s) => deriveSecretKeys(s).accessToken))
  }

  /** The key a token names; a token without `kid` (issued before kids existed) can only be the current key's. */
  find(kid: string | undefined): TokenKey | undefined {
    return kid === undefined ? this.current : this.#byKid.get(kid)
  }
}

function keyOf(key: Uint8Array): TokenKey {
  // A hash of the key, not the key: the kid is public, in every token's header.
  return { kid: createHash('sha256').update('linkprint-kid').update(key).digest('base64url').slice(0, 12), key }
}
