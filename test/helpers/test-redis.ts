import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { beforeAll, beforeEach } from 'vitest'

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** Is Redis there? Decided once per file, before the suites are declared. */
export async function redisReachable(): Promise<boolean> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  redis.on('error', () => {})
  try {
    await redis.connect()
    return (await redis.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    redis.disconnect()
  }
}

/**
 * Redis suites run when Redis answers, and always under CI=true, where an unreachable
 * Redis must fail the run (the connection in beforeAll throws) rather than skip it.
 * Elsewhere a missing Redis skips them, and the skip shows in the summary.
 */
export async function shouldRunRedis(): Promise<boolean> {
  return process.env.CI === 'true' || (await redisReachable())
}

/** A connection and a key prefix of its own; drop() deletes every key under the prefix. */
export interface TestRedis {
  readonly redis: Redis
  readonly url: string
  readonly prefix: string
  drop(): Promise<void>
}

export async function openTestRedis(): Promise<TestRedis> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 1 })
  redis.on('error', () => {})
  try {
    await redis.connect()
  } catch (error) {
    redis.disconnect()
    throw new Error(`Redis is not reachable at ${TEST_REDIS_URL}; start it (docs/development.md): ${String(error)}`)
  }
  const prefix = `lp-test-${randomBytes(6).toString('hex')}:`
  return {
    redis, url: TEST_REDIS_URL, prefix,
    async drop() {
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
        if (keys.length) await redis.del(...keys)
        cursor = next
      } while (cursor !== '0')
      await redis.quit()
    },
  }
}

/**
 * beforeAll(setup), but a setup that throws (Redis down under CI) fails every test of the
 * suite with its error: a failing beforeAll alone leaves them "skipped" in the summary line.
 */
export function setupOrFailEach(setup: () => Promise<void>): void {
  let error: unknown
  beforeAll(async () => {
    try {
      await setup()
    } catch (e) {
      error = e
    }
  })
  beforeEach(() => {
    if (error !== undefined) throw error
  })
}
