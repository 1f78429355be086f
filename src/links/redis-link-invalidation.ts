import { Redis } from 'ioredis'

export interface RedisLinkInvalidationOptions {
  readonly redisUrl: string
  /** REDIS_PREFIX: the channel is `<prefix>links:changed`. */
  readonly prefix: string
  /** Drops the slug from this instance's link cache. */
  readonly evict: (slug: string) => void
  readonly onError?: (error: unknown) => void
  /** A connection (re)connected: the end of an outage onError reported. */
  readonly onConnected?: () => void
}

/**
 * Several instances: a link created, changed or deleted on one instance leaves every
 * other instance's link cache at once (a Redis channel), instead of after
 * LINK_CACHE_TTL_MS. A deleted link stops redirecting everywhere; a new slug that someone
 * tried before it existed (a cached miss) starts redirecting everywhere. A message lost
 * while Redis is away is covered by the TTL, as without Redis.
 */
export class RedisLinkInvalidation {
  readonly #publisher: Redis
  readonly #subscriber: Redis
  readonly #channel: string
  readonly #onError?: (error: unknown) => void

  private constructor(publisher: Redis, subscriber: Redis, channel: string, onError?: (error: unknown) => void) {
    this.#publisher = publisher
    this.#subscriber = subscriber
    this.#channel = channel
    this.#onError = onError
  }

  static async open(options: RedisLinkInvalidationOptions): Promise<RedisLinkInvalidation> {
    const channel = `${options.prefix}links:changed`
    const publisher = new Redis(options.redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 2 })
    publisher.on('error', (error: unknown) => options.onError?.(error))
    publisher.on('ready', () => options.onConnected?.())
    // A connection in subscriber mode can do nothing else.
    const subscriber = publisher.duplicate()
    subscriber.on('error', (error: unknown) => options.onError?.(error))
    subscriber.on('message', (from: string, slug: string) => {
      if (from === channel) options.evict(slug)
    })
    try {
      await publisher.connect()
      await subscriber.connect()
      await subscriber.subscribe(channel)
    } catch (error) {
      publisher.disconnect()
      subscriber.disconnect()
      throw new Error(`REDIS_URL is set but Redis is not reachable for link cache invalidation: ${error instanceof Error ? error.message : String(error)}`)
    }
    return new RedisLinkInvalidation(publisher, subscriber, channel, options.onError)
  }

  /** Resolves once Redis has the message; the instances subscribed get it a moment later. */
  async publish(slug: string): Promise<void> {
    try {
      await this.#publisher.publish(this.#channel, slug)
    } catch (error) {
      this.#onError?.(error)
    }
  }

  async close(): Promise<void> {
    this.#subscriber.disconnect()
    await this.#publisher.quit().catch(() => this.#publisher.disconnect())
  }
}
