import type { Clock } from '../clock.js'
import { AppError } from '../errors.js'
import type { SessionCore } from '../sessions/session-core.js'
import type { PlainRequest } from '../sessions/plain-request.js'
import type { KeysRepository } from '../storage/keys-repository.js'
import type { ApiKey, User } from '../storage/storage.js'
import type { UsersRepository } from '../storage/users-repository.js'
import { generateApiKey, hashApiKey, looksLikeApiKey } from './api-key.js'
import { HashSlots } from './hash-slots.js'
import { hashPassword, verifyPassword } from './password.js'
import { hashSessionId } from './session-id.js'

export interface Principal {
  user: User
  via: 'api_key' | 'access_token'
  sessionIdHash: string | null
}

/** The repositories sign-in and key management use. */
export interface AuthenticatorStorage {
  readonly users: Pick<UsersRepository, 'findUserByEmail' | 'createUser'>
  readonly keys: Pick<KeysRepository, 'createApiKey' | 'listApiKeys' | 'revokeApiKey'>
}

/** What an API key resolves through. */
export interface ApiKeyStorage {
  readonly keys: Pick<KeysRepository, 'findApiKeyByHash'>
  readonly users: Pick<UsersRepository, 'findUserById'>
}

/** Callers outside HTTP (the CLI, tests): no headers, no address. */
const NO_REQUEST: PlainRequest = { method: 'POST', headers: {}, ip: '' }

/**
 * linkprint's users: passwords (scrypt), API keys, and the sessions and tokens of
 * src/sessions (seed 000), which this class feeds with users and API keys.
 */
export class Authenticator {
  readonly #storage: AuthenticatorStorage
  readonly #clock: Clock
  readonly #sessions: SessionCore<User>
  // A constant-time answer for unknown emails: without it, timing tells which emails have accounts.
  #dummyHash: Promise<string> | undefined
  readonly #hashes: HashSlots

  constructor(options: { storage: AuthenticatorStorage; clock: Clock; sessions: SessionCore<User>; hashSlots?: HashSlots }) {
    this.#hashes = options.hashSlots ?? new HashSlots()
    this.#storage = options.storage
    this.#clock = options.clock
    this.#sessions = options.sessions
  }

  /** Attempts are limited per network and per account (429 RATE_LIMITED), and password checks at once (503 SERVER_BUSY); the session is bound to the request's device fingerprint when sent. */
  async login(email: string, password: string, request: PlainRequest = NO_REQUEST): Promise<{ token: string; sessionId: string; expiresIn: number; sessionExpiresAt: number; user: User }> {
    const user = await this.#sessions.guardLogin(request, async () => {
      const found = await this.#storage.users.findUserByEmail(email.trim().toLowerCase())
      this.#dummyHash ??= hashPassword('not a real password')
      const dummy = await this.#dummyHash
      const ok = await this.#hashes.run(() => verifyPassword(password, found?.passwordHash ?? dummy))
      return found && ok ? found : undefined
    }, email)
    const { token, sessionId, expiresIn, session } = await this.#sessions.start(user.id, request)
    return { token, sessionId, expiresIn, sessionExpiresAt: session.expiresAt, user }
  }

  /** Ends the token's session, or (signed in with an API key) the caller's own session named by X-Session-Id. */
  async logout(principal: Principal, sessionId?: string): Promise<void> {
    let idHash = principal.sessionIdHash
    if (idHash === null && sessionId !== undefined && /^[A-Za-z0-9_-]{43}$/.test(sessionId)) {
      const session = await this.#sessions.store.find(hashSessionId(sessionId))
      if (session?.userId === principal.user.id) idHash = session.idHash
    }
    if (idHash) await this.#sessions.end(idHash)
  }

  /** undefined when no Authorization header was sent; throws INVALID_TOKEN (or TOKEN_EXPIRED) for a bad one. */
  async authenticate(authorization: string | undefined): Promise<Principal | undefined> {
    if (authorization === undefined) return undefined
    const { user, via, session } = await this.#sessions.authenticate(authorization)
    return { user, via, sessionIdHash: session?.idHash ?? null }
  }

  async createUser(email: string, password: string, isAdmin: boolean): Promise<User> {
    const normalised = email.trim().toLowerCase()
    if (!/^[^\s@]{1,64}@[^\s@]{1,255}$/.test(normalised)) throw new AppError('VALIDATION_FAILED', 'The email address is not valid')
    if (password.length < 8 || password.length > 1024) throw new AppError('VALIDATION_FAILED', 'Passwords have 8 to 1024 characters')
    return this.#storage.users.createUser({ email: normalised, passwordHash: await hashPassword(password), isAdmin, createdAt: this.#clock.now() })
  }

  /** The key itself is returned once and never stored. */
  async issueApiKey(userId: number, name: string): Promise<{ key: string; id: number; prefix: string; createdAt: number }> {
    const { key, prefix, keyHash } = generateApiKey()
    const stored = await this.#storage.keys.createApiKey({ userId, name, prefix, keyHash, createdAt: this.#clock.now() })
    return { key, id: stored.id, prefix, createdAt: stored.createdAt }
  }

  listApiKeys(userId: number): Promise<ApiKey[]> {
    return this.#storage.keys.listApiKeys(userId)
  }

  /** API_KEY_NOT_FOUND unless the key is the user's; revoking twice is not an error. */
  async revokeApiKey(userId: number, id: number): Promise<void> {
    const keys = await this.#storage.keys.listApiKeys(userId)
    if (!keys.some((k) => k.id === id)) throw new AppError('API_KEY_NOT_FOUND')
    await this.#storage.keys.revokeApiKey(id, this.#clock.now())
  }
}

/** The user an API key belongs to, or undefined for an unknown or revoked key (the core's `authenticateOther`). */
export async function userOfApiKey(storage: ApiKeyStorage, bearer: string): Promise<User | undefined> {
  if (!looksLikeApiKey(bearer)) return undefined
  const key = await storage.keys.findApiKeyByHash(hashApiKey(bearer))
  return key && key.revokedAt === null ? storage.users.findUserById(key.userId) : undefined
}
