import { afterAll } from 'vitest'
import type { Clock } from '../../src/clock.js'
import type { DialectName } from '../../src/storage/storage.js'
import { DIALECTS } from './test-databases.js'
import { openTestRedis, setupOrFailEach, shouldRunRedis, type TestRedis } from './test-redis.js'
import { startTestService, type TestService } from './test-service.js'

/** Where sessions live: each dialect's database, or Redis (beside SQLite). */
export interface SessionBackend {
  readonly name: string
  readonly dialect: DialectName
  readonly redis: boolean
}

export const SESSION_BACKENDS: readonly SessionBackend[] = [
  ...DIALECTS.map((dialect) => ({ name: dialect, dialect, redis: false })),
  { name: 'redis', dialect: 'sqlite', redis: true },
]

/** Redis suites run where Redis answers, and always under CI=true (test-redis.ts). */
export const runRedisSessions = await shouldRunRedis()

/**
 * In a describe block: a service with its sessions on `backend` (PRIVACY_MODE=full, so
 * fingerprints count) and a plain user `email`, started before the suite's tests and
 * closed after them; `started` receives it.
 */
export function useSessionService(backend: SessionBackend, clock: Clock, email: string, started: (service: TestService) => void): void {
  let svc: TestService | undefined
  let redis: TestRedis | undefined
  setupOrFailEach(async () => {
    redis = backend.redis ? await openTestRedis() : undefined
    const env: NodeJS.ProcessEnv = { GEOIP_DB: 'off', PRIVACY_MODE: 'full', ...(redis && { REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix }) }
    svc = await startTestService(backend.dialect, env, clock)
    await svc.addUser(email)
    started(svc)
  })
  afterAll(async () => {
    await svc?.close()
    await redis?.drop()
  })
}
