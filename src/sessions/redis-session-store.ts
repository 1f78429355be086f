import type { Redis } from 'ioredis'
import type { NewSession, SessionStore, StoredSession } from './session-store.js'

/**
 * A session is one hash, `<prefix>session:<idHash>`, with short field names:
 * u user id, c created, e expires, r revoked, d device hash, k device cluster, t rotated to.
 * A missing field is null. Keys expire `keepExpiredMs` after the session does, so a
 * replayed id is still told apart from an unknown one for a while, as in the database.
 */
const ROTATE = `
local e = redis.call('HGET', KEYS[1], 'e')
if not e or tonumber(e) <= tonumber(ARGV[1]) then return 0 end
if redis.call('HEXISTS', KEYS[1], 'r') == 1 then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'r', ARGV[1], 't', ARGV[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 4))
redis.call('PEXPIREAT', KEYS[2], ARGV[3])
return 1
`

const REVOKE = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'r') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'r', ARGV[1])
return 1
`

/** The slice of ioredis this store uses, with its scripts defined. */
type ScriptedRedis = Redis & {
  lpSessionRotate(oldKey: string, newKey: string, ...args: Array<string | number>): Promise<number>
  lpSessionRevoke(key: string, at: number): Promise<number>
}

export interface RedisSessionStoreOptions {
  /** Key prefix, so several deployments (or test runs) can share one Redis; `linkprint:` by default. */
  readonly prefix?: string
  readonly keepExpiredMs?: number
}

/** Sessions in Redis: TTL by PEXPIREAT, rotation and revocation as Lua scripts (atomic on the server). */
export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis'
  readonly #redis: ScriptedRedis
  readonly #prefix: string
  readonly #keep: number

  /** The connection belongs to the caller (it is shared with the rate limiter). */
  constructor(redis: Redis, options: RedisSessionStoreOptions = {}) {
    this.#prefix = `${options.prefix ?? 'linkprint:'}session:`
    this.#keep = options.keepExpiredMs ?? 24 * 3_600_000
    if (!('lpSessionRotate' in redis)) {
      redis.defineCommand('lpSessionRotate', { numberOfKeys: 2, lua: ROTATE })
      redis.defineCommand('lpSessionRevoke', { numberOfKeys: 1, lua: REVOKE })
    }
    this.#redis = redis as ScriptedRedis
  }

  async create(session: NewSession): Promise<void> {
    const key = this.#prefix + session.idHash
    await this.#redis.multi().hset(key, fieldsOf(session)).pexpireat(key, session.expiresAt + this.#keep).exec().then(failOnError)
  }

  async find(idHash: string): Promise<StoredSession | undefined> {
    const h = await this.#redis.hgetall(this.#prefix + idHash)
    if (h.e === undefined) return undefined
    return {
      idHash,
      userId: h.u === undefined ? null : Number(h.u),
      createdAt: Number(h.c),
      expiresAt: Number(h.e),
      revokedAt: h.r === undefined ? null : Number(h.r),
      deviceHash: h.d ?? null,
      deviceCluster: h.k ?? null,
      rotatedTo: h.t ?? null,
    }
  }

  async rotate(oldIdHash: string, next: NewSession, at: number): Promise<boolean> {
    const fields = Object.entries(fieldsOf(next)).flat()
    const done = await this.#redis.lpSessionRotate(this.#prefix + oldIdHash, this.#prefix + next.idHash, at, next.idHash, next.expiresAt + this.#keep, ...fields)
    return done === 1
  }

  async revoke(idHash: string, at: number): Promise<boolean> {
    return (await this.#redis.lpSessionRevoke(this.#prefix + idHash, at)) === 1
  }

  async close(): Promise<void> {}
}

function fieldsOf(s: NewSession): Record<string, string> {
  const fields: Record<string, string> = { c: String(s.createdAt), e: String(s.expiresAt) }
  if (s.userId !== null) fields.u = String(s.userId)
  if (s.deviceHash !== null) fields.d = s.deviceHash
  if (s.deviceCluster !== null) fields.k = s.deviceCluster
  return fields
}

function failOnError(results: Array<[Error | null, unknown]> | null): void {
  if (!results) throw new Error('Redis transaction was aborted')
  for (const [error] of results) if (error) throw error
}
