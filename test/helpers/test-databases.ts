import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { openRepositories } from '../../src/storage/open-repositories.js'
import type { Repositories } from '../../src/storage/repositories.js'
import type { DialectName } from '../../src/storage/storage.js'

export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** A database a test owns: created for it, dropped after it, so runs never collide. */
export interface TestDatabase {
  readonly dialect: DialectName
  readonly url: string
  drop(): Promise<void>
}

/**
 * The dialects every integration suite loops over. LINKPRINT_TEST_DIALECTS=sqlite narrows
 * the list for a quick local run; under CI=true, PostgreSQL must be there.
 */
export const DIALECTS: DialectName[] = (process.env.LINKPRINT_TEST_DIALECTS ?? 'sqlite,postgres')
  .split(',')
  .map((d) => d.trim())
  .filter((d): d is DialectName => d === 'sqlite' || d === 'postgres')

export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'linkprint-test-'))
    return { dialect, url: `sqlite:${join(dir, 'test.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) }
  }
  const name = `linkprint_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
  try {
    await admin.connect()
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL}; start it (DESIGN.md) or set LINKPRINT_TEST_DIALECTS=sqlite for a local run: ${String(error)}`)
  }
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(POSTGRES_ADMIN_URL)
  url.pathname = `/${name}`
  return {
    dialect,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
      await client.connect()
      try {
        // A closed pool's connections may still be saying goodbye (pg-pool resolves end()
        // before the sockets close); FORCE would kill them mid-way and their clients throw
        // 57P01 into whatever test runs next. Give them a moment, then force what is left.
        for (let i = 0; i < 40; i++) {
          const { rows } = await client.query<{ n: string }>('SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = $1', [name])
          if (Number(rows[0]?.n ?? 0) === 0) break
          await new Promise((resolve) => setTimeout(resolve, 25))
        }
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await client.end()
      }
    },
  }
}

/** A migrated storage on a database of its own, with one admin user to own links: what most storage suites start from. */
export interface TestStorage {
  readonly db: TestDatabase
  readonly storage: Repositories
  readonly userId: number
  close(): Promise<void>
}

export async function openTestStorage(dialect: DialectName, email = 'admin@example.com'): Promise<TestStorage> {
  const db = await createTestDatabase(dialect)
  const storage = openRepositories(db.url)
  await storage.migrateUp()
  const userId = (await storage.users.createUser({ email, passwordHash: 'x', isAdmin: true, createdAt: 1 })).id
  return {
    db, storage, userId,
    async close() {
      await storage.close()
      await db.drop()
    },
  }
}
