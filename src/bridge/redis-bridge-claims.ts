import { Redis } from 'ioredis'
import type { BridgeClaims } from './bridge-claims.js'

/** Claims shared by every instance: `SET <prefix>bridge:<nonce> 1 NX PX keepMs`, atomic in Redis. */
export class RedisBridgeClaims implements BridgeClaims {
  readonly #redis: Redis
  readonly #prefix: string
  readonly #keepMs: number

  private constructor(redis: Redis, prefix: string, keepMs: number) {
    this.#redis = redis
    this.#prefix = prefix
    this.#keepMs = keepMs
  }

  static async open(options: { redisUrl: string; prefix: string; keepMs: number; onError?: (error: unknown) => void }): Promise<RedisBridgeClaims> {
    // One retry at most: a claim waits on Redis, and a page's visitor waits on the claim.
    const redis = new Redis(options.redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 1, enableOfflineQueue: false })
    redis.on('error', (error: unknown) => options.onError?.(error))
    try {
      await redis.connect()
    } catch (error) {
      redis.disconnect()
      throw new Error(`REDIS_URL is set but Redis is not reachable for the bridge's claims: ${error instanceof Error ? error.message : String(error)}`)
    }
    return new RedisBridgeClaims(redis, options.prefix, options.keepMs)
  }

  async claim(nonce: string): Promise<boolean> {
    return (await this.#redis.set(`${this.#prefix}bridge:${nonce}`, '1', 'PX', this.#keepMs, 'NX')) === 'OK'
  }

  ready(): boolean {
    return this.#redis.status === 'ready'
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect())
  }
}
