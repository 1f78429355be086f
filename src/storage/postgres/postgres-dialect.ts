import { PostgresDialect } from 'kysely'
import pg from 'pg'
import type { LinkprintDialect } from '../linkprint-dialect.js'
import { postgresClickBatchWriter } from './postgres-click-batch-writer.js'

const INT8 = 20
const NUMERIC = 1700

/** Times and counts are bigint in PostgreSQL; they fit a JS number for the next 280,000 years. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (value: string) => Number(value)
    if (oid === NUMERIC) return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format)
  },
}

export function createPostgresDialect(connectionString: string): LinkprintDialect {
  return {
    name: 'postgres',
    createClickBatchWriter: () => postgresClickBatchWriter(),
    createKyselyDialect() {
      return new PostgresDialect({ pool: new pg.Pool({ connectionString, max: 10, types: types as pg.CustomTypesConfig }) })
    },
    isUniqueViolation(error) {
      return (error as { code?: unknown } | null)?.code === '23505'
    },
  }
}
