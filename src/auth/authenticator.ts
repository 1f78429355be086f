import type { Clock } from '../clock.js'
import { AppError } from '../errors.js'
import type { Storage, User } from '../storage/storage.js'
import { signAccessToken, verifyAccessToken } from './access-token.js'
import { generateApiKey, hashApiKey, looksLikeApiKey } from './api-key.js'
import { hashPassword, verifyPassword } from './password.js'
import { generateSessionId, hashSessionId } from './session-id.js'

export interface Principal {
  user: User
  via: 'api_key' | 'access_token'
  sessionIdHash: string | null
}

const SESSION_TTL_MS = 30 * 24 * 3_600_000
const MAX_BEARER_LENGTH = 4096

/** Turns credentials into a user: login, API keys, access tokens, logout. */
export class Authenticator {
  readonly #storage: Storage
  readonly #key: Uint8Array
  readonly #clock: Clock
  // A constant-time answer for unknown emails: without it, timing tells which emails have accounts.
  #dummyHash: Promise<string> | undefined

  constructor(options: { storage: Storage; accessTokenKey: Uint8Array; clock: Clock }) {
    this.#storage = options.storage
    this.#key = options.accessTokenKey
    this.#clock = options.clock
  }

  async login(email: string, password: string): Promise<{ token: string; sessionId: string; expiresIn: number; user: User }> {
    const user = await this.#storage.findUserByEmail(email.trim().toLowerCase())
    this.#dummyHash ??= hashPassword('not a real password')
    const ok = await verifyPassword(password, user?.passwordHash ?? (await this.#dummyHash))
    if (!user || !ok) throw new AppError('INVALID_CREDENTIALS')
    const now = this.#clock.now()
    const { sessionId, idHash } = generateSessionId()
    await this.#storage.createSession({ idHash, userId: user.id, createdAt: now, expiresAt: now + SESSION_TTL_MS })
    const { token, expiresIn } = await signAccessToken(this.#key, { userId: user.id, sessionIdHash: idHash }, now)
    return { token, sessionId, expiresIn, user }
  }

  async logout(principal: Principal, sessionId?: string): Promise<void> {
    const idHash = principal.sessionIdHash ?? (sessionId ? hashSessionId(sessionId) : null)
    if (idHash) await this.#storage.revokeSession(idHash, this.#clock.now())
  }

  /** undefined when no Authorization header was sent; throws INVALID_TOKEN for a bad one. */
  async authenticate(authorization: string | undefined): Promise<Principal | undefined> {
    if (authorization === undefined) return undefined
    const match = /^Bearer ([\x21-\x7e]+)$/.exec(authorization)
    if (!match?.[1] || authorization.length > MAX_BEARER_LENGTH) throw new AppError('INVALID_TOKEN')
    const bearer = match[1]
    if (looksLikeApiKey(bearer)) {
      const key = await this.#storage.findApiKeyByHash(hashApiKey(bearer))
      const user = key && key.revokedAt === null ? await this.#storage.findUserById(key.userId) : undefined
      if (!user) throw new AppError('INVALID_TOKEN')
      return { user, via: 'api_key', sessionIdHash: null }
    }
    const now = this.#clock.now()
    const claims = await verifyAccessToken(this.#key, bearer, now)
    if (!claims) throw new AppError('INVALID_TOKEN')
    const session = await this.#storage.findSession(claims.sessionIdHash)
    if (!session || session.revokedAt !== null || session.expiresAt <= now || session.userId !== claims.userId) throw new AppError('INVALID_TOKEN')
    const user = await this.#storage.findUserById(claims.userId)
    if (!user) throw new AppError('INVALID_TOKEN')
    return { user, via: 'access_token', sessionIdHash: claims.sessionIdHash }
  }

  async createUser(email: string, password: string, isAdmin: boolean): Promise<User> {
    const normalised = email.trim().toLowerCase()
    if (!/^[^\s@]{1,64}@[^\s@]{1,255}$/.test(normalised)) throw new AppError('VALIDATION_FAILED', 'The email address is not valid')
    if (password.length < 8 || password.length > 1024) throw new AppError('VALIDATION_FAILED', 'Passwords have 8 to 1024 characters')
    return this.#storage.createUser({ email: normalised, passwordHash: await hashPassword(password), isAdmin, createdAt: this.#clock.now() })
  }

  /** The key itself is returned once and never stored. */
  async issueApiKey(userId: number, name: string): Promise<{ key: string; id: number; prefix: string }> {
    const { key, prefix, keyHash } = generateApiKey()
    const stored = await this.#storage.createApiKey({ userId, name, prefix, keyHash, createdAt: this.#clock.now() })
    return { key, id: stored.id, prefix }
  }
}
