import type { FastifyInstance } from 'fastify'
import { loadConfig } from '../../src/config/config.js'
import { buildApp } from '../../src/http/app.js'
import { createLinkprint, type Linkprint } from '../../src/linkprint.js'
import type { DialectName } from '../../src/storage/storage.js'
import { createTestDatabase, type TestDatabase } from './test-databases.js'
import { openTestRedis, type TestRedis } from './test-redis.js'

export interface Instance { linkprint: Linkprint; app: FastifyInstance }

/** Two instances behind one load balancer: one database, one Redis, a service each (here: two in one process), and an admin's API key. */
export interface TwoInstances {
  readonly db: TestDatabase
  readonly redis: TestRedis
  readonly a: Instance
  readonly b: Instance
  readonly adminKey: string
  close(): Promise<void>
}

/** `env` adds to (or overrides) the settings both instances share. */
export async function startTwoInstances(dialect: DialectName, env: Record<string, string> = {}): Promise<TwoInstances> {
  const db = await createTestDatabase(dialect)
  const redis = await openTestRedis()
  const started: Instance[] = []
  const close = async () => {
    for (const i of started) {
      await i.app.close()
      await i.linkprint.close()
    }
    await redis.drop()
    await db.drop()
  }
  try {
    for (let n = 0; n < 2; n++) {
      const config = loadConfig({ DATABASE_URL: db.url, SECRET: 'test-secret-test-secret', REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, PRIVACY_MODE: 'full', GEOIP_DB: 'off', ...env })
      const linkprint = await createLinkprint(config)
      const app = await buildApp(linkprint)
      started.push({ linkprint, app })
      await app.ready()
    }
    const [a, b] = started as [Instance, Instance]
    const admin = await a.linkprint.auth.createUser('admin@example.com', 'correct horse battery', true)
    const adminKey = (await a.linkprint.auth.issueApiKey(admin.id, 'test')).key
    return { db, redis, a, b, adminKey, close }
  } catch (error) {
    await close()
    throw error
  }
}
