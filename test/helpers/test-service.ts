import type { FastifyInstance } from 'fastify'
import type { Clock } from '../../src/clock.js'
import { loadConfig } from '../../src/config/config.js'
import { buildApp } from '../../src/http/app.js'
import { createLinkprint, type Linkprint } from '../../src/linkprint.js'
import type { DialectName } from '../../src/storage/storage.js'
import { createTestDatabase, type TestDatabase } from './test-databases.js'

export interface TestService {
  readonly app: FastifyInstance
  readonly linkprint: Linkprint
  readonly db: TestDatabase
  /** Admin API key. */
  readonly adminKey: string
  /** Creates a plain user and returns its API key. */
  addUser(email: string): Promise<string>
  close(): Promise<void>
}

/** A real service on a database of its own, answered through app.inject. */
export async function startTestService(dialect: DialectName, env: NodeJS.ProcessEnv = {}, clock?: Clock): Promise<TestService> {
  const db = await createTestDatabase(dialect)
  const config = loadConfig({ DATABASE_URL: db.url, SECRET: 'test-secret-test-secret', ...env })
  const linkprint = await createLinkprint(config, clock ? { clock } : {})
  const admin = await linkprint.auth.createUser('admin@example.com', 'correct horse battery', true)
  const { key: adminKey } = await linkprint.auth.issueApiKey(admin.id, 'test')
  const app = await buildApp(linkprint)
  await app.ready()
  return {
    app, linkprint, db, adminKey,
    async addUser(email) {
      const user = await linkprint.auth.createUser(email, 'another password', false)
      return (await linkprint.auth.issueApiKey(user.id, 'test')).key
    },
    async close() {
      await app.close()
      await linkprint.close()
      await db.drop()
    },
  }
}

export function bearer(key: string) {
  return { authorization: `Bearer ${key}` }
}
