import { createHmac, timingSafeEqual } from 'node:crypto'
import type { AccessTokens } from '../auth/access-tokens.js'
import { generateSessionId, hashSessionId } from '../auth/session-id.js'
import type { Clock } from '../clock.js'
import { AppError, type ErrorCode } from '../errors.js'
import type { DeviceCookie } from '../identity/device-cookie.js'
import { ipPrefix } from '../signals/ip-hash.js'
import { LruCache } from '../signals/lru-cache.js'
import type { DeviceMatcher } from './device-matcher.js'
import type { PlainRequest } from './plain-request.js'
import type { RateLimit, RateLimiter } from './rate-limiter.js'
import { isAlive, type NewSession, type SessionStore, type StoredSession } from './session-store.js'
import type { SourceMonitor } from './source-monitor.js'
import { isRedisUnavailable } from './redis-unavailable.js'
import { VisitorIdentifier, type PrivacyChoice, type VisitorIdentity } from './visitor-identifier.js'

/** What a user must have for the core; applications' user objects carry more. */
export interface SessionUser {
  readonly id: number
}

/** A session as request handlers see it. */
export interface SessionInfo {
  /** SHA-256 of the session id: the storage key, safe to log (it opens nothing). */
  readonly idHash: string
  /** null: an anonymous visitor's session. */
  readonly userId: number | null
  readonly createdAt: number
  readonly expiresAt: number
  /** Bound to a device fingerprint, so it can be recovered (when it has a user). */
  readonly deviceBound: boolean
}

/** The outcome of one request through the core: seed 000's case 1 (identity) or case 3 (user). */
export interface Visitor<U extends SessionUser = SessionUser> {
  /** Anonymous requests only: a signed-in request does no fingerprint work at all. */
  readonly identity: VisitorIdentity | null
  readonly session: SessionInfo | null
  readonly user: U | null
  /** How the user was authenticated. */
  readonly via: 'access_token' | 'api_key' | null
  /** To add to the response: `x-session-id` for a new anonymous session, `set-cookie` for a new device cookie. */
  readonly headers: Readonly<Record<string, string>>
}

export interface IssuedSession {
  readonly token: string
  /** The raw session id: shown to its client once, stored only as its hash. */
  readonly sessionId: string
  readonly expiresIn: number
  readonly session: SessionInfo
}

export interface SessionLimits {
  /** Recovery attempts per session id (guessing the fingerprint of a stolen id). */
  readonly recoverPerSession: RateLimit
  /** Recovery attempts per network, /24 or /64 (guessing session ids). */
  readonly recoverPerNetwork: RateLimit
  /** Login attempts per network (guessing passwords); reserved before the hash, a correct one given back. */
  readonly loginFailuresPerNetwork: RateLimit
  /** Failed logins per account, from any network (one account guessed from many). */
  readonly loginFailuresPerAccount: RateLimit
  /** Failures of an account after which each next attempt waits 1 s, doubling, up to 15 minutes. */
  readonly loginBackoffAfter: number
  /** New anonymous sessions per network (filling the store). Over it, requests go on without one. */
  readonly anonymousPerNetwork: RateLimit
  /** Token refreshes per network, every attempt counted (probing with stolen or forged tokens). */
  readonly refreshPerNetwork: RateLimit
  /** Token refreshes per user: a dashboard tab renews every ~13 minutes, so this allows some thirty tabs. */
  readonly refreshPerUser: RateLimit
}

export interface SessionLog {
  info(details: object, message: string): void
  warn(details: object, message: string): void
}

export type RecoveryOutcome =
  | 'recovered'
  | 'rate_limited'
  | 'malformed_session_id'
  | 'missing_fingerprint'
  | 'invalid_fingerprint'
  | 'unknown_session'
  | 'replayed_rotated_id'
  | 'revoked'
  | 'expired'
  | 'anonymous_session'
  | 'not_bound'
  | 'device_mismatch'
  | 'user_gone'
  | 'concurrent_rotation'

export type RefreshOutcome =
  | 'refreshed'
  | 'rate_limited'
  | 'not_a_login_token'
  | 'session_mismatch'
  | 'unknown_session'
  | 'replayed_rotated_id'
  | 'revoked'
  | 'expired'
  | 'user_gone'
  | 'concurrent_rotation'

export interface SessionCoreOptions<U extends SessionUser> {
  readonly store: SessionStore
  readonly limiter: RateLimiter
  readonly tokens: AccessTokens
  readonly clock: Clock
  /** Keys the fingerprint hashes kept in sessions (a leaked store reveals no fingerprint). */
  readonly bindingKey: Uint8Array
  readonly loadUser: (userId: number) => Promise<U | undefined>
  /** Bearers that are not JWTs (API keys): the user, or undefined for an unknown one. */
  readonly authenticateOther?: (bearer: string) => Promise<U | undefined>
  /** linkprint's identity engine (identityEngineDevices); without it only the exact fingerprint recovers a session. */
  readonly devices?: DeviceMatcher | null
  /** The cookie tier; without it the tiers are client header → server generation. */
  readonly deviceCookie?: DeviceCookie | null
  /** A keyed hash of the client's network (/24, /64): rate-limit keys. */
  readonly networkOf?: (ip: string) => string
  /** What the privacy mode allows for a request; by default DNT/Sec-GPC refuse cookies and fingerprints. */
  readonly privacy?: (request: PlainRequest) => PrivacyChoice
  /** MIN_CONFIDENCE: the least confidence of a device-cluster match. */
  readonly minConfidence?: number
  readonly anonymousTtlMs?: number
  readonly userTtlMs?: number
  /**
   * How long a session found alive, and a user loaded, are trusted before the store is
   * asked again. Revocations on this instance take effect at once; on another instance
   * (sharing Redis or the database) within this time.
   */
  readonly recheckMs?: number
  readonly limits?: Partial<SessionLimits>
  readonly log?: SessionLog
  readonly monitor?: SourceMonitor | null
  readonly onRecovery?: (outcome: RecoveryOutcome) => void
  /** Every POST /api/auth/refresh that got as far as the token, by outcome (a renewal, or why not). */
  readonly onRefresh?: (outcome: RefreshOutcome) => void
}

const MINUTE = 60_000
const DAY = 86_400_000
export const DEFAULT_LIMITS: SessionLimits = {
  recoverPerSession: { limit: 5, windowMs: 15 * MINUTE },
  recoverPerNetwork: { limit: 20, windowMs: 15 * MINUTE },
  loginFailuresPerNetwork: { limit: 20, windowMs: 15 * MINUTE },
  loginFailuresPerAccount: { limit: 10, windowMs: 15 * MINUTE },
  loginBackoffAfter: 5,
  anonymousPerNetwork: { limit: 600, windowMs: 10 * MINUTE },
  refreshPerNetwork: { limit: 60, windowMs: 15 * MINUTE },
  refreshPerUser: { limit: 30, windowMs: 15 * MINUTE },
}
/** 256-bit ids, base64url: exactly 43 characters. Anything else is refused unread. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/
const MAX_AUTHORIZATION = 4096
const BEARER = /^Bearer ([\x21-\x7e]+)$/
const MAX_FAMILY = 32
const MAX_LOGIN_WAIT_MS = 15 * MINUTE
/** How long a session seen alive may be trusted while the store cannot be asked (REDIS_UNAVAILABLE otherwise). */
const STALE_OK_MS = 60_000
/** The log of a core nobody gave one; the Fastify plugin replaces it with the app's. */
export const SILENT_LOG: SessionLog = { info() {}, warn() {} }

/**
 * Seed 000's three cases, framework-agnostic: a plain request in, a Visitor out.
 *  1. no token: identity through the four tiers, an anonymous session tracked (`handle`);
 *  2. lost token: session id + device fingerprint → new token, id rotated (`recover`);
 *  3. token: verified (cached per token), no fingerprint work (`handle`, `authenticate`).
 * Errors are AppErrors with stable codes (src/errors.ts).
 */
export class SessionCore<U extends SessionUser = SessionUser> {
  readonly identifier: VisitorIdentifier
  readonly store: SessionStore
  readonly #o: SessionCoreOptions<U>
  readonly #limits: SessionLimits
  /** Where failures and recoveries are logged; the Fastify plugin points it at the app's logger unless one was given. */
  log: SessionLog
  readonly #networkOf: (ip: string) => string
  readonly #live: LruCache<string, StoredSession>
  /** Sessions read alive from the store in the last minute: what a token is checked against while the store (Redis) is unreachable. */
  readonly #lastKnown: LruCache<string, StoredSession>
  readonly #users: LruCache<number, U>
  readonly #minConfidence: number

  constructor(options: SessionCoreOptions<U>) {
    this.#o = options
    this.store = options.store
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits }
    this.log = options.log ?? SILENT_LOG
    this.#minConfidence = options.minConfidence ?? 50
    this.#networkOf = options.networkOf ?? defaultNetworkOf(options.bindingKey)
    const now = () => options.clock.now()
    const recheck = options.recheckMs ?? 5_000
    this.#live = new LruCache({ max: 100_000, ttl: recheck, now })
    this.#lastKnown = new LruCache({ max: 100_000, ttl: STALE_OK_MS, now })
    this.#users = new LruCache({ max: 10_000, ttl: recheck, now })
    this.identifier = new VisitorIdentifier({ deviceCookie: options.deviceCookie, privacy: options.privacy ?? defaultPrivacy, networkOf: this.#networkOf, now })
  }

  /** Cases 1 and 3: who is asking. Throws INVALID_TOKEN / TOKEN_EXPIRED for a bad bearer. */
  async handle(request: PlainRequest): Promise<Visitor<U>> {
    const authorization = request.headers.authorization
    if (authorization !== undefined) {
      const auth = await this.authenticate(typeof authorization === 'string' ? authorization : '')
      return { identity: null, session: auth.session && infoOf(auth.session), user: auth.user, via: auth.via, headers: {} }
    }
    const id = this.identifier.identify(request)
    this.#o.monitor?.record(id.identity.source, () => sampleOf(request))
    const headers: Record<string, string> = {}
    if (id.setCookie) headers['set-cookie'] = id.setCookie
    let session: SessionInfo | null = null
    try {
      session = await this.#anonymousSession(request, id.fingerprint, headers)
    } catch (error) {
      // Tracking is best effort: a store outage must not take anonymous pages down with it.
      // A Redis outage is logged once by the connection's watcher, not here once per request.
      if (!isRedisUnavailable(error)) this.log.warn({ err: error }, 'anonymous session tracking failed')
    }
    return { identity: id.identity, session, user: null, via: null, headers }
  }

  /** Case 3 alone: an `Authorization` header to a user. */
  async authenticate(authorization: string): Promise<{ user: U; via: 'access_token' | 'api_key'; session: StoredSession | null }> {
    const match = authorization.length <= MAX_AUTHORIZATION ? BEARER.exec(authorization) : null
    if (!match?.[1]) throw new AppError('INVALID_TOKEN')
    const bearer = match[1]
    if (!looksLikeJwt(bearer)) {
      const user = this.#o.authenticateOther ? await this.#o.authenticateOther(bearer) : undefined
      if (!user) throw new AppError('INVALID_TOKEN')
      return { user, via: 'api_key', session: null }
    }
    const claims = await this.#o.tokens.verify(bearer)
    const now = this.#o.clock.now()
    const session = await this.#alive(claims.sessionIdHash, now)
    if (!session || session.userId !== claims.userId) throw new AppError('INVALID_TOKEN')
    const user = await this.#user(claims.userId)
    if (!user) throw new AppError('INVALID_TOKEN')
    return { user, via: 'access_token', session }
  }

  /**
   * A new session and token for a user who just proved who they are (login). Bound to the
   * request's device fingerprint when it sent one. Never adopts the X-Session-Id the
   * request carried (session fixation): an anonymous session it names is ended instead.
   */
  async start(userId: number, request: PlainRequest): Promise<IssuedSession> {
    const now = this.#o.clock.now()
    const supplied = this.#suppliedIdHash(request)
    if (supplied) {
      const previous = await this.#o.store.find(supplied)
      if (isAlive(previous, now) && previous.userId === null) await this.end(supplied)
    }
    const fingerprint = this.identifier.fingerprintOf(request).value
    const { sessionId, idHash } = generateSessionId()
    const record: NewSession = {
      idHash, userId, createdAt: now, expiresAt: now + (this.#o.userTtlMs ?? 30 * DAY),
      deviceHash: fingerprint === null ? null : this.#bindHash(fingerprint),
      deviceCluster: fingerprint === null ? null : this.#clusterOf(fingerprint),
    }
    await this.#o.store.create(record)
    this.#live.set(idHash, { ...record, revokedAt: null, rotatedTo: null })
    const { token, expiresIn } = await this.#o.tokens.sign({ userId, sessionIdHash: idHash })
    return { token, sessionId, expiresIn, session: infoOf(record) }
  }

  /** Case 2: X-Session-Id + X-Device-Fingerprint → a new token and a rotated session id. */
  async recover(request: PlainRequest): Promise<IssuedSession> {
    const now = this.#o.clock.now()
    const network = this.#networkOf(request.ip)
    const rawId = request.headers['x-session-id']
    const idHash = typeof rawId === 'string' && SESSION_ID.test(rawId) ? hashSessionId(rawId) : null
    const fail = (error: ErrorCode | AppError, outcome: RecoveryOutcome, details?: object): never => {
      this.#o.onRecovery?.(outcome)
      this.log.warn({ event: 'session_recovery_failed', reason: outcome, session: idHash?.slice(0, 12) ?? null, network: network.slice(0, 12), ...details }, 'session recovery failed')
      throw typeof error === 'string' ? new AppError(error) : error
    }
    // Every attempt counts, well-formed or not, before anything is looked up.
    const perNetwork = this.#limits.recoverPerNetwork
    const byNetwork = await this.#o.limiter.hit(`recover:net:${network}`, perNetwork.windowMs, now)
    if (byNetwork.count > perNetwork.limit) return fail(rateLimited(byNetwork.resetAt, now), 'rate_limited', { limit: 'network' })
    if (!idHash) return fail('SESSION_INVALID', 'malformed_session_id')
    const perSession = this.#limits.recoverPerSession
    const bySession = await this.#o.limiter.hit(`recover:sid:${idHash}`, perSession.windowMs, now)
    if (bySession.count > perSession.limit) return fail(rateLimited(bySession.resetAt, now), 'rate_limited', { limit: 'session' })
    const fp = this.identifier.fingerprintOf(request)
    if (fp.value === null) return fail('FINGERPRINT_INVALID', fp.rejection ? 'invalid_fingerprint' : 'missing_fingerprint', fp.rejection ? { why: fp.rejection.reason } : {})

    const session = await this.#o.store.find(idHash)
    if (!session) return fail('SESSION_INVALID', 'unknown_session')
    if (session.rotatedTo !== null) {
      // A rotated id came back: its holder and the successor's cannot both be the owner.
      // End the successors too, as refresh-token reuse detection does.
      await this.#endFamily(session.rotatedTo, now)
      return fail('SESSION_INVALID', 'replayed_rotated_id')
    }
    if (session.revokedAt !== null) return fail('SESSION_INVALID', 'revoked')
    if (session.expiresAt <= now) return fail('SESSION_INVALID', 'expired')
    if (session.userId === null) return fail('SESSION_NOT_RECOVERABLE', 'anonymous_session')
    if (session.deviceHash === null) return fail('SESSION_NOT_RECOVERABLE', 'not_bound')
    const match = this.#matchDevice(session, fp.value)
    if (!match) return fail('DEVICE_MISMATCH', 'device_mismatch')
    const user = await this.#o.loadUser(session.userId)
    if (!user) return fail('SESSION_INVALID', 'user_gone')

    // Never more than the session had: the same user, the same device binding, the same
    // absolute expiry (recovering does not extend a session's life).
    const { sessionId, idHash: nextHash } = generateSessionId()
    const next: NewSession = {
      idHash: nextHash, userId: session.userId, createdAt: now, expiresAt: session.expiresAt,
      deviceHash: session.deviceHash, deviceCluster: session.deviceCluster && (this.#o.devices?.current(session.deviceCluster) ?? session.deviceCluster),
    }
    if (!(await this.#o.store.rotate(idHash, next, now))) return fail('SESSION_INVALID', 'concurrent_rotation')
    this.#forget(idHash)
    this.#live.set(nextHash, { ...next, revokedAt: null, rotatedTo: null })
    const { token, expiresIn } = await this.#o.tokens.sign({ userId: session.userId, sessionIdHash: nextHash }, next.expiresAt)
    this.#o.onRecovery?.('recovered')
    this.log.info({ event: 'session_recovered', session: idHash.slice(0, 12), next: nextHash.slice(0, 12), match: match.via, confidence: match.confidence }, 'session recovered')
    return { token, sessionId, expiresIn, session: infoOf(next) }
  }

  /**
   * Renewal of a signed-in session that still holds a valid token (`Authorization`, the
   * token to renew, and `X-Session-Id`, the session it was issued for) → a new token and a
   * rotated session id.
   *
   * - Sliding: each renewal gives a full token lifetime (15 minutes), so a client that
   *   renews before its token expires stays signed in; one idle for longer must log in
   *   again (or recover, case 2, if the session is device-bound). An expired token is
   *   refused (TOKEN_EXPIRED): renewal needs proof the client is still the live holder.
   * - Capped: the session's expiry, fixed at login (30 days), is carried over unchanged,
   *   and no token outlives it; past it, SESSION_EXPIRED.
   * - Both halves are required: a leaked token alone (a log, a screenshot) dies within
   *   15 minutes, and a leaked session id alone opens nothing.
   * - Rotated like recovery: the old id and every token bound to it stop working at once,
   *   and a replayed old id (a copy used by someone else, or a retry of a renewal whose
   *   answer was lost) ends the whole chain of successors; reuse detection as refresh
   *   tokens have it, the price being that the lost-answer case signs the user out.
   * - Logout revokes the session, so renewal fails after it (SESSION_INVALID).
   * - API keys are refused (TOKEN_NOT_REFRESHABLE): they do not expire.
   */
  async refresh(request: PlainRequest): Promise<IssuedSession & { sessionExpiresAt: number }> {
    const now = this.#o.clock.now()
    const network = this.#networkOf(request.ip)
    const rawId = request.headers['x-session-id']
    const idHash = typeof rawId === 'string' && SESSION_ID.test(rawId) ? hashSessionId(rawId) : null
    const fail = (error: ErrorCode | AppError, outcome: RefreshOutcome): never => {
      this.log.warn({ event: 'token_refresh_failed', reason: outcome, session: idHash?.slice(0, 12) ?? null, network: network.slice(0, 12) }, 'token refresh failed')
      this.#o.onRefresh?.(outcome)
      throw typeof error === 'string' ? new AppError(error) : error
    }
    const perNetwork = this.#limits.refreshPerNetwork
    const byNetwork = await this.#o.limiter.hit(`refresh:net:${network}`, perNetwork.windowMs, now)
    if (byNetwork.count > perNetwork.limit) return fail(rateLimited(byNetwork.resetAt, now), 'rate_limited')

    const authorization = request.headers.authorization
    if (typeof authorization !== 'string') throw new AppError('UNAUTHORIZED')
    const match = authorization.length <= MAX_AUTHORIZATION ? BEARER.exec(authorization) : null
    if (!match?.[1]) throw new AppError('INVALID_TOKEN')
    if (!looksLikeJwt(match[1])) {
      // A genuine API key is told why; anything else is just not a valid credential.
      const keyUser = this.#o.authenticateOther ? await this.#o.authenticateOther(match[1]) : undefined
      if (!keyUser) throw new AppError('INVALID_TOKEN')
      return fail('TOKEN_NOT_REFRESHABLE', 'not_a_login_token')
    }
    // Signature, key and expiry; whether its session is alive is decided below, with reasons.
    const claims = await this.#o.tokens.verify(match[1])
    if (!idHash || !this.#sameHash(idHash, claims.sessionIdHash)) return fail('SESSION_INVALID', 'session_mismatch')
    const perUser = this.#limits.refreshPerUser
    const byUser = await this.#o.limiter.hit(`refresh:user:${claims.userId}`, perUser.windowMs, now)
    if (byUser.count > perUser.limit) return fail(rateLimited(byUser.resetAt, now), 'rate_limited')

    const session = await this.#o.store.find(idHash)
    if (!session || session.userId !== claims.userId) return fail('SESSION_INVALID', 'unknown_session')
    if (session.rotatedTo !== null) {
      await this.#endFamily(session.rotatedTo, now)
      return fail('SESSION_INVALID', 'replayed_rotated_id')
    }
    if (session.revokedAt !== null) return fail('SESSION_INVALID', 'revoked')
    // A token signed for less than a second is of no use: the cap has been reached.
    if (session.expiresAt - now < 1_000) return fail('SESSION_EXPIRED', 'expired')
    const user = await this.#o.loadUser(claims.userId)
    if (!user) return fail('SESSION_INVALID', 'user_gone')

    const { sessionId, idHash: nextHash } = generateSessionId()
    const next: NewSession = {
      idHash: nextHash, userId: claims.userId, createdAt: now, expiresAt: session.expiresAt,
      deviceHash: session.deviceHash, deviceCluster: session.deviceCluster,
    }
    if (!(await this.#o.store.rotate(idHash, next, now))) return fail('SESSION_INVALID', 'concurrent_rotation')
    this.#forget(idHash)
    this.#live.set(nextHash, { ...next, revokedAt: null, rotatedTo: null })
    const { token, expiresIn } = await this.#o.tokens.sign({ userId: claims.userId, sessionIdHash: nextHash }, next.expiresAt)
    this.log.info({ event: 'token_refreshed', session: idHash.slice(0, 12), next: nextHash.slice(0, 12) }, 'token refreshed')
    this.#o.onRefresh?.('refreshed')
    return { token, sessionId, expiresIn, session: infoOf(next), sessionExpiresAt: next.expiresAt }
  }

  /** Logout: the session and every token bound to it stop working (at once on this instance). */
  async end(idHash: string): Promise<boolean> {
    this.#forget(idHash)
    return this.#o.store.revoke(idHash, this.#o.clock.now())
  }

  /**
   * Runs a password check under the login limits: `verify` resolves to the user, or
   * undefined for wrong credentials (INVALID_CREDENTIALS). The attempt is reserved before
   * the hash, atomically, so parallel guesses cannot all pass a check made before any of
   * them failed: per network (20 a window, every attempt; a correct one is given back) and,
   * with `account` (the email as typed), per account (10 failures a window, and from the
   * 5th a growing wait, 1 s doubling, before the next is even checked). A correct password
   * clears the account's run.
   */
  async guardLogin<T>(request: PlainRequest, verify: () => Promise<T | undefined>, account?: string): Promise<T> {
    const now = this.#o.clock.now()
    const net = `login:net:${this.#networkOf(request.ip)}`
    const id = account === undefined ? null : createHmac('sha256', this.#o.bindingKey).update(`acct:${account.trim().toLowerCase()}`).digest('base64url').slice(0, 22)
    if (id !== null) {
      const lock = await this.#o.limiter.peek(`login:wait:${id}`, now)
      if (lock.count > 0) throw rateLimited(lock.resetAt, now)
    }
    const perNetwork = this.#limits.loginFailuresPerNetwork
    const byNetwork = await this.#o.limiter.hit(net, perNetwork.windowMs, now)
    if (byNetwork.count > perNetwork.limit) throw rateLimited(byNetwork.resetAt, now)
    let failures = 0
    if (id !== null) {
      const perAccount = this.#limits.loginFailuresPerAccount
      const byAccount = await this.#o.limiter.hit(`login:acct:${id}`, perAccount.windowMs, now)
      failures = byAccount.count
      if (failures > perAccount.limit) {
        await this.#o.limiter.undo(net, now)
        throw rateLimited(byAccount.resetAt, now)
      }
    }
    let result: T | undefined
    try {
      result = await verify()
    } catch (error) {
      // Not checked (SERVER_BUSY, a store down): the attempt is given back.
      await this.#o.limiter.undo(net, now).catch(() => {})
      if (id !== null) await this.#o.limiter.undo(`login:acct:${id}`, now).catch(() => {})
      throw error
    }
    if (result !== undefined) {
      await this.#o.limiter.undo(net, now)
      if (id !== null) await this.#o.limiter.clear(`login:acct:${id}`)
      return result
    }
    const after = this.#limits.loginBackoffAfter
    if (id !== null && failures >= after) {
      await this.#o.limiter.hit(`login:wait:${id}`, Math.min(MAX_LOGIN_WAIT_MS, 1_000 * 2 ** (failures - after)), now)
    }
    throw new AppError('INVALID_CREDENTIALS')
  }

  async #anonymousSession(request: PlainRequest, fingerprint: string | null, headers: Record<string, string>): Promise<SessionInfo | null> {
    const now = this.#o.clock.now()
    const supplied = this.#suppliedIdHash(request)
    if (supplied) {
      const session = await this.#alive(supplied, now)
      if (session) {
        // A signed-in session without its token: the client should recover it, and must
        // not be handed a new anonymous id that would overwrite the one it recovers with.
        if (session.userId !== null) return null
        if (session.deviceHash === null || fingerprint === null || this.#sameHash(session.deviceHash, this.#bindHash(fingerprint))) return infoOf(session)
        // Another device presenting this id: it gets a session of its own below.
      }
    }
    // Only SDK clients (a valid fingerprint) are tracked: a session per curl call would only fill the store.
    if (fingerprint === null) return null
    const { limit, windowMs } = this.#limits.anonymousPerNetwork
    if ((await this.#o.limiter.hit(`anon:net:${this.#networkOf(request.ip)}`, windowMs, now)).count > limit) return null
    const { sessionId, idHash } = generateSessionId()
    const record: NewSession = {
      idHash, userId: null, createdAt: now, expiresAt: now + (this.#o.anonymousTtlMs ?? 7 * DAY),
      deviceHash: this.#bindHash(fingerprint), deviceCluster: this.#clusterOf(fingerprint),
    }
    await this.#o.store.create(record)
    this.#live.set(idHash, { ...record, revokedAt: null, rotatedTo: null })
    headers['x-session-id'] = sessionId
    return infoOf(record)
  }

  #suppliedIdHash(request: PlainRequest): string | null {
    const raw = request.headers['x-session-id']
    return typeof raw === 'string' && SESSION_ID.test(raw) ? hashSessionId(raw) : null
  }

  async #alive(idHash: string, now: number): Promise<StoredSession | undefined> {
    const cached = this.#live.get(idHash)
    if (cached) {
      if (cached.expiresAt > now) return cached
      this.#forget(idHash)
      return undefined
    }
    let found: StoredSession | undefined
    try {
      found = await this.#o.store.find(idHash)
    } catch (error) {
      // Redis away: a session this instance saw alive within the minute stays usable; its
      // revocation could not be stored anyway. Any other is 503 REDIS_UNAVAILABLE.
      const known = this.#lastKnown.get(idHash)
      if (known && known.expiresAt > now && isRedisUnavailable(error)) return known
      throw error
    }
    if (!isAlive(found, now)) return undefined
    this.#live.set(idHash, found)
    this.#lastKnown.set(idHash, found)
    return found
  }

  #forget(idHash: string): void {
    this.#live.delete(idHash)
    this.#lastKnown.delete(idHash)
  }

  async #user(userId: number): Promise<U | undefined> {
    const cached = this.#users.get(userId)
    if (cached) return cached
    const user = await this.#o.loadUser(userId)
    if (user) this.#users.set(userId, user)
    return user
  }

  async #endFamily(first: string, now: number): Promise<void> {
    let next: string | null = first
    for (let i = 0; next !== null && i < MAX_FAMILY; i++) {
      const session: StoredSession | undefined = await this.#o.store.find(next)
      this.#forget(next)
      await this.#o.store.revoke(next, now)
      next = session?.rotatedTo ?? null
    }
  }

  #bindHash(fingerprint: string): string {
    return createHmac('sha256', this.#o.bindingKey).update(fingerprint).digest('base64url')
  }

  #sameHash(a: string, b: string): boolean {
    const x = Buffer.from(a)
    const y = Buffer.from(b)
    return x.length === y.length && timingSafeEqual(x, y)
  }

  /** The one device cluster the engine knows this fingerprint in, or null (unknown, or seen in several). */
  #clusterOf(fingerprint: string): string | null {
    const candidates = this.#o.devices?.candidates(fingerprint) ?? []
    const first = candidates[0]?.cluster ?? null
    return candidates.every((c) => c.cluster === first) ? first : null
  }

  #matchDevice(session: StoredSession, fingerprint: string): { via: 'exact' | 'cluster'; confidence: number } | null {
    if (session.deviceHash !== null && this.#sameHash(session.deviceHash, this.#bindHash(fingerprint))) return { via: 'exact', confidence: 100 }
    const devices = this.#o.devices
    if (!devices || session.deviceCluster === null) return null
    const bound = devices.current(session.deviceCluster)
    let best: number | null = null
    for (const c of devices.candidates(fingerprint)) {
      if (c.cluster === bound && c.confidence >= this.#minConfidence && (best === null || c.confidence > best)) best = c.confidence
    }
    return best === null ? null : { via: 'cluster', confidence: best }
  }
}

function infoOf(s: NewSession): SessionInfo {
  return { idHash: s.idHash, userId: s.userId, createdAt: s.createdAt, expiresAt: s.expiresAt, deviceBound: s.deviceHash !== null }
}

function rateLimited(resetAt: number, now: number): AppError {
  return new AppError('RATE_LIMITED', undefined, { retryAfter: Math.max(1, Math.ceil((resetAt - now) / 1000)) })
}

function looksLikeJwt(bearer: string): boolean {
  const first = bearer.indexOf('.')
  return first > 0 && bearer.indexOf('.', first + 1) > first
}

function sampleOf(request: PlainRequest) {
  const ua = request.headers['user-agent']
  return {
    method: request.method,
    path: (request.url ?? '').split('?')[0]!.slice(0, 200),
    userAgent: typeof ua === 'string' ? ua.slice(0, 160) : null,
  }
}

/** DNT: 1 and Sec-GPC: 1 are the visitor saying no, as in the click pipeline. */
function defaultPrivacy(request: PlainRequest): PrivacyChoice {
  const h = request.headers
  const refused = h.dnt === '1' || h['sec-gpc'] === '1'
  return { cookies: !refused, fingerprints: !refused }
}

function defaultNetworkOf(key: Uint8Array): (ip: string) => string {
  return (ip) => createHmac('sha256', key).update(`net:${ipPrefix(ip)}`).digest('base64url').slice(0, 22)
}
