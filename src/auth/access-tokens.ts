import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Clock } from '../clock.js'
import { AppError } from '../errors.js'
import { LruCache } from '../signals/lru-cache.js'
import { signAccessToken, verifyAccessToken, type AccessClaims } from './access-token.js'
import type { TokenKeyring } from './token-keyring.js'

export interface AccessTokensOptions {
  readonly keyring: TokenKeyring
  readonly clock: Clock
  /** Most verified tokens remembered (each is a few hundred bytes). */
  readonly cacheMax?: number
  /**
   * Keys the token's `sid`: `<session id hash>.<HMAC of it under this key>`. The hash alone
   * is in the database; without this key (derived from SECRET, which never is) a copy of
   * the database cannot name a session in a token, even with the signing key.
   */
  readonly sessionKey?: Uint8Array
}

/**
 * Signs access tokens and verifies them once: a token that verified is remembered until
 * it expires, so a client sending the same token on every request pays for the HMAC and
 * the JSON parsing once (case 3 of seed 000). Failures are never remembered, so a flood
 * of forged tokens cannot evict good ones faster than it could anyway.
 * Whether the token's session is still alive is the caller's check, not this cache's.
 */
export class AccessTokens {
  readonly #keyring: TokenKeyring
  readonly #clock: Clock
  readonly #verified: LruCache<string, AccessClaims>
  readonly #sessionKey: Uint8Array | undefined

  constructor(options: AccessTokensOptions) {
    this.#keyring = options.keyring
    this.#clock = options.clock
    this.#verified = new LruCache({ max: options.cacheMax ?? 10_000 })
    this.#sessionKey = options.sessionKey
  }

  /** `notAfterMs`: the session's end, which the token never outlives. */
  sign(claims: { userId: number; sessionIdHash: string }, notAfterMs?: number): Promise<{ token: string; expiresIn: number }> {
    const sid = this.#sessionKey ? `${claims.sessionIdHash}.${this.#mac(claims.sessionIdHash)}` : claims.sessionIdHash
    return signAccessToken(this.#keyring.current, { userId: claims.userId, sessionIdHash: sid }, this.#clock.now(), notAfterMs)
  }

  /** The claims of a valid token; AppError TOKEN_EXPIRED or INVALID_TOKEN otherwise. */
  async verify(token: string): Promise<AccessClaims> {
    const now = this.#clock.now()
    const cached = this.#verified.get(token)
    if (cached) {
      if (cached.expiresAt > now) return cached
      this.#verified.delete(token)
      throw new AppError('TOKEN_EXPIRED')
    }
    const result = await verifyAccessToken(this.#keyring, token, now)
    if (!result.ok) throw new AppError(result.reason === 'expired' ? 'TOKEN_EXPIRED' : 'INVALID_TOKEN')
    let claims = result.claims
    if (this.#sessionKey) {
      const [idHash, mac, extra] = claims.sessionIdHash.split('.')
      if (!idHash || !mac || extra !== undefined || !sameMac(mac, this.#mac(idHash))) throw new AppError('INVALID_TOKEN')
      claims = { ...claims, sessionIdHash: idHash }
    }
    this.#verified.set(token, claims)
    return claims
  }

  #mac(idHash: string): string {
    return createHmac('sha256', this.#sessionKey!).update(idHash).digest('base64url')
  }

  /** Verified tokens held (for tests and the debug view). */
  get cached(): number {
    return this.#verified.size
  }
}

function sameMac(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
