import type { Dialect, Kysely } from 'kysely'
import type { Database } from './database.js'
import type { ClickRecord, DialectName } from './storage.js'

/** Writes a batch of click records (clicks, counters, fingerprints, merges) in one transaction, the fastest way the database allows. */
export interface ClickBatchWriter {
  write(db: Kysely<Database>, records: readonly ClickRecord[]): Promise<void>
  close(): Promise<void>
}

/**
 * What differs between the databases, kept as small as Kysely keeps its own dialects:
 * a factory for the Kysely dialect, how the driver reports a unique violation, and
 * the bulk click writer, the one hot write path.
 */
export interface LinkprintDialect {
  readonly name: DialectName
  createKyselyDialect(): Dialect
  isUniqueViolation(error: unknown): boolean
  /** Called once, after createKyselyDialect. */
  createClickBatchWriter(): ClickBatchWriter
}
