import { Redis } from 'ioredis'
import type { Clock } from '../clock.js'
import type { SessionStoreStorage } from './database-session-store.js'
import { DatabaseSessionStore } from './database-session-store.js'
import { MemoryRateLimiter } from './memory-rate-limiter.js'
import type { RateLimiter } from './rate-limiter.js'
import { RedisRateLimiter } from './redis-rate-limiter.js'
import { RedisSessionStore } from './redis-session-store.js'
import type { SessionStore } from './session-store.js'

export interface SessionBackend {
  readonly store: SessionStore
  readonly limiter: RateLimiter
  close(): Promise<void>
}

export interface SessionBackendOptions {
  /** REDIS_URL: sessions and rate limits in Redis, shared by every instance. */
  readonly redisUrl?: string
  /** REDIS_PREFIX: the keys' prefix, `linkprint:` by default. */
  readonly redisPrefix?: string
  /** Without Redis: sessions in this database, rate limits in this process. */
  readonly storage: SessionStoreStorage
  readonly clock: Clock
  readonly onError?: (error: unknown) => void
  /** Redis (re)connected and ready: with onError, what tells an outage's start from its end. */
  readonly onConnected?: () => void
  /** Expired-session sweep of the database store (0: none). */
  readonly sweepEveryMs?: number
}

/**
 * Redis when REDIS_URL is set, the database otherwise. A Redis that is configured but
 * unreachable fails the start: silently falling back to per-instance state would let
 * rate limits and revocations differ between instances.
 */
export async function openSessionBackend(options: SessionBackendOptions): Promise<SessionBackend> {
  if (!options.redisUrl) {
    const store = new DatabaseSessionStore(options.storage, { clock: options.clock, onError: options.onError, sweepEveryMs: options.sweepEveryMs })
    return { store, limiter: new MemoryRateLimiter(), close: () => store.close() }
  }
  // Fail fast while Redis is away (no offline queue, 2 s per command): a login answers 503
  // at once instead of holding the request through reconnect attempts (0.7–3.7 s, then 500).
  const redis = new Redis(options.redisUrl, { lazyConnect: true, connectTimeout: 3000, commandTimeout: 2000, maxRetriesPerRequest: 1, enableOfflineQueue: false })
  // ioredis reconnects by itself; without a listener every failed attempt is printed as an unhandled error.
  redis.on('error', (error: unknown) => options.onError?.(error))
  redis.on('ready', () => options.onConnected?.())
  try {
    await redis.connect()
    await redis.ping()
  } catch (error) {
    redis.disconnect()
    throw new Error(`REDIS_URL is set but Redis is not reachable (${redactedUrl(options.redisUrl)}): ${error instanceof Error ? error.message : String(error)}`)
  }
  const prefix = options.redisPrefix ?? 'linkprint:'
  const store = new RedisSessionStore(redis, { prefix })
  return {
    store,
    limiter: new RedisRateLimiter(redis, { prefix }),
    async close() {
      await store.close()
      await redis.quit().catch(() => redis.disconnect())
    },
  }
}

function redactedUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return 'an unparsable URL'
  }
}
