import type { Dialect } from 'kysely'
import type { DialectName } from './storage.js'

/**
 * What differs between the databases, kept as small as Kysely keeps its own dialects:
 * a factory for the Kysely dialect, how the driver reports a unique violation, and
 * capability flags the migrations read.
 */
export interface LinkprintDialect {
  readonly name: DialectName
  createKyselyDialect(): Dialect
  isUniqueViolation(error: unknown): boolean
  /** Most parameters one statement may bind; batched inserts are chunked to stay below it. */
  readonly maxBindParameters: number
}
