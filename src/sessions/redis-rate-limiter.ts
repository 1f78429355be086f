import type { Redis } from 'ioredis'
import type { RateLimiter, RateWindow } from './rate-limiter.js'

// INCR and the first PEXPIRE in one script: a crash between them cannot leave a counter without a TTL.
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}
`

// Never below zero, never a key without a TTL: only an existing counter is taken down.
const UNDO = `
if redis.call('GET', KEYS[1]) and tonumber(redis.call('GET', KEYS[1])) > 0 then redis.call('DECR', KEYS[1]) end
return 0
`

type ScriptedRedis = Redis & { lpRateHit(key: string, windowMs: number): Promise<[number, number]>; lpRateUndo(key: string): Promise<number> }

/** Counters shared by every instance; windows are timed by Redis's clock (PTTL). */
export class RedisRateLimiter implements RateLimiter {
  readonly #redis: ScriptedRedis
  readonly #prefix: string

  constructor(redis: Redis, options: { prefix?: string } = {}) {
    this.#prefix = `${options.prefix ?? 'linkprint:'}rate:`
    if (!('lpRateHit' in redis)) redis.defineCommand('lpRateHit', { numberOfKeys: 1, lua: HIT })
    if (!('lpRateUndo' in redis)) redis.defineCommand('lpRateUndo', { numberOfKeys: 1, lua: UNDO })
    this.#redis = redis as ScriptedRedis
  }

  async hit(key: string, windowMs: number, now: number): Promise<RateWindow> {
    const [count, ttl] = await this.#redis.lpRateHit(this.#prefix + key, windowMs)
    return { count, resetAt: now + Math.max(0, ttl) }
  }

  async peek(key: string, now: number): Promise<RateWindow> {
    const k = this.#prefix + key
    const [[, count], [, ttl]] = (await this.#redis.multi().get(k).pttl(k).exec()) as [[null, string | null], [null, number]]
    return count === null ? { count: 0, resetAt: now } : { count: Number(count), resetAt: now + Math.max(0, ttl) }
  }

  async undo(key: string): Promise<void> {
    await this.#redis.lpRateUndo(this.#prefix + key)
  }

  async clear(key: string): Promise<void> {
    await this.#redis.del(this.#prefix + key)
  }
}
