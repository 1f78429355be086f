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

  constructor(options: AccessTokensOptions) {
    this.#keyring = options.keyring
    this.#clock = options.clock
    this.#verified = new LruCache({ max: options.cacheMax ?? 10_000 })
  }

  /** `notAfterMs`: the session's end, which the token never outlives. */
  sign(claims: { userId: number; sessionIdHash: string }, notAfterMs?: number): Promise<{ token: string; expiresIn: number }> {
    return signAccessToken(this.#keyring.current, claims, this.#clock.now(), notAfterMs)
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
    this.#verified.set(token, result.claims)
    return result.claims
  }

  /** Verified tokens held (for tests and the debug view). */
  get cached(): number {
    return this.#verified.size
  }
}
