import type { Kysely } from 'kysely'

/**
 * The ids of committed click batches. A PostgreSQL commit whose answer is lost with its
 * connection (a cut link, a terminated backend) may have committed: the writer retries the
 * batch under the same id, and a retry that finds its id here knows the first attempt
 * landed. SQLite's writer commits in process and never retries a committed batch, so the
 * table stays empty there. Rows older than a day are pruned by the writer.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('click_batches').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('written_at', 'bigint', (c) => c.notNull()).execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('click_batches').execute()
}
