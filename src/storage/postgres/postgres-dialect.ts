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

/**
 * A terminated backend or a cut link makes pg emit 'error' on the client, and on the pool
 * when the client was idle; unheard, either ends the process. Heard, the pool drops the
 * client and opens another on the next query; the query that was running fails itself,
 * and its caller reports it (the click writer retries, an API route answers 503).
 */
function createPool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString, max: 10, types: types as pg.CustomTypesConfig,
    // A database that does not answer fails a request in 5 s (503) instead of holding it.
    connectionTimeoutMillis: 5_000,
    // Finds a peer that vanished without a word (a cut cable, a dead NAT entry).
    keepAlive: true,
  })
  pool.on('error', ignore)
  pool.on('connect', (client) => client.on('error', ignore))
  return pool
}

// Deliberately silent: the failed query is the one report (see createPool).
function ignore(): void {}

export function createPostgresDialect(connectionString: string): LinkprintDialect {
  return {
    name: 'postgres',
    createClickBatchWriter: () => postgresClickBatchWriter(),
    createKyselyDialect() {
      return new PostgresDialect({ pool: createPool(connectionString) })
    },
    isUniqueViolation(error) {
      return (error as { code?: unknown } | null)?.code === '23505'
    },
  }
}
