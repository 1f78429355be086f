import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { SqliteDialect } from 'kysely'
import type { LinkprintDialect } from '../linkprint-dialect.js'

export function createSqliteDialect(path: string): LinkprintDialect {
  return {
    name: 'sqlite',
    maxBindParameters: 32_766,
    createKyselyDialect() {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
      const db = new Database(path)
      // WAL lets readers (stats) run beside the click writer; NORMAL keeps commits cheap
      // and still never corrupts on a crash, it can only lose the last commit on power loss.
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      db.pragma('busy_timeout = 5000')
      db.pragma('foreign_keys = ON')
      return new SqliteDialect({ database: db })
    },
    isUniqueViolation(error) {
      const code = (error as { code?: unknown } | null)?.code
      return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
    },
  }
}
