import type { Kysely } from 'kysely'
import type { MigrationContext } from './migration-context.js'

/**
 * The identity engine's snapshot on PostgreSQL (identity/snapshot/): its parts in order,
 * replaced as a whole in one transaction. SQLite keeps its snapshot in a file beside the
 * database instead; the table stays empty there.
 */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  await db.schema.createTable('identity_snapshot_parts')
    .addColumn('part', 'integer', (c) => c.primaryKey())
    .addColumn('data', ctx.dialect === 'sqlite' ? 'blob' : 'bytea', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('identity_snapshot_parts').execute()
}
