import type { Kysely } from 'kysely'

/**
 * A link's own redirect mode (`direct` or `bridge`); null, every existing link's value,
 * follows REDIRECT_MODE. The API validates the value, so the column is plain text on both dialects.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('links').addColumn('redirect_mode', 'text').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('links').dropColumn('redirect_mode').execute()
}
