import type { Kysely } from 'kysely'
import type { MigrationContext } from './migration-context.js'

/**
 * The evidence behind each merge, kept with the context's correlation row (JSON, written
 * when the context is stored or placed anew): the identity engine withdraws a merge that
 * rested on an SDK hash alone once the hash proves shared, and after a restart it can only
 * do so if it is given that evidence back (identity-state-loader.ts).
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema.alterTable('fingerprint_correlations').addColumn('edges', 'text').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('fingerprint_correlations').dropColumn('edges').execute()
}
