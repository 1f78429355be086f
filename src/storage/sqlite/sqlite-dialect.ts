import { SqliteDialect } from 'kysely'
import type { ClickBatchWriter, LinkprintDialect } from '../linkprint-dialect.js'
import { openSqliteDatabase } from './open-sqlite-database.js'
import { sqliteClickBatchWriter } from './sqlite-click-batch-writer.js'

export function createSqliteDialect(path: string): LinkprintDialect {
  let database: ReturnType<typeof openSqliteDatabase> | undefined
  return {
    name: 'sqlite',
    createKyselyDialect() {
      database = openSqliteDatabase(path)
      return new SqliteDialect({ database })
    },
    createClickBatchWriter(): ClickBatchWriter {
      if (!database) throw new Error('createKyselyDialect must run first')
      return sqliteClickBatchWriter(path, database)
    },
    isUniqueViolation(error) {
      const code = (error as { code?: unknown } | null)?.code
      return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
    },
  }
}
