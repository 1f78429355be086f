import { sql, type Kysely } from 'kysely'
import type { MigrationContext } from './migration-context.js'

/**
 * Several short domains. `domains` lists the hosts an admin added; a link's `domain` is one
 * of them, or '' for the default domain (PUBLIC_URL's host, whatever it is set to later).
 * A slug is unique per domain instead of everywhere. Not null with '' rather than null:
 * a unique index treats nulls as distinct, so two default-domain links could share a slug.
 */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('domains')
    .addColumn('id', ...ctx.idColumn)
    .addColumn('host', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  if (ctx.dialect === 'postgres') {
    await db.schema.alterTable('links').addColumn('domain', 'text', (c) => c.notNull().defaultTo('')).execute()
    // The column's UNIQUE, or after a down the index of the same name.
    await sql`ALTER TABLE links DROP CONSTRAINT IF EXISTS links_slug_key`.execute(db)
    await sql`DROP INDEX IF EXISTS links_slug_key`.execute(db)
  } else if ((await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'links_slug_key'`.execute(db)).rows.length > 0) {
    // Up again after a down, which left a plain unique index.
    await db.schema.dropIndex('links_slug_key').execute()
    await db.schema.alterTable('links').addColumn('domain', 'text', (c) => c.notNull().defaultTo('')).execute()
  } else {
    await rebuildSqliteLinksWithoutSlugUnique(db)
    await db.schema.alterTable('links').addColumn('domain', 'text', (c) => c.notNull().defaultTo('')).execute()
  }
  await db.schema.createIndex('links_domain_slug_idx').on('links').columns(['domain', 'slug']).unique().execute()
}

/**
 * Back to one slug space. Refused (the unique index fails) while two domains share a slug:
 * rolling back cannot choose which link to keep.
 */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('links_slug_key').on('links').column('slug').unique().execute()
  await db.schema.dropIndex('links_domain_slug_idx').execute()
  await db.schema.alterTable('links').dropColumn('domain').execute()
  await db.schema.dropTable('domains').execute()
}

/**
 * SQLite cannot drop the index a column's UNIQUE made, so the table is made again without
 * it (sqlite.org/lang_altertable.html, "other kinds of table schema changes"): the same
 * CREATE statement less that UNIQUE, whatever columns later migrations added; rows copied;
 * the views and indexes on it dropped and made again from their own stored SQL.
 */
async function rebuildSqliteLinksWithoutSlugUnique(db: Kysely<unknown>): Promise<void> {
  const master = await sql<{ type: string; name: string; sql: string | null; tbl_name: string }>`SELECT type, name, sql, tbl_name FROM sqlite_master`.execute(db)
  const table = master.rows.find((r) => r.type === 'table' && r.name === 'links')?.sql
  const withoutUnique = table?.replace(/("slug" text not null) unique/i, '$1')
  if (!table || withoutUnique === table) throw new Error('007-domains: links has no "slug text not null unique" column to relax')
  const views = master.rows.filter((r) => r.type === 'view' && r.sql)
  const indexes = master.rows.filter((r) => r.type === 'index' && r.tbl_name === 'links' && r.sql)
  // AUTOINCREMENT's high-water mark, so an id of a deleted link is never handed out again.
  const sequence = await sql<{ seq: number }>`SELECT seq FROM sqlite_sequence WHERE name = 'links'`.execute(db)
  for (const view of views) await sql`DROP VIEW ${sql.id(view.name)}`.execute(db)
  await sql.raw(withoutUnique!.replace(/^create table "links"/i, 'CREATE TABLE "links_007"')).execute(db)
  await sql`INSERT INTO links_007 SELECT * FROM links`.execute(db)
  await sql`DROP TABLE links`.execute(db)
  await sql`ALTER TABLE links_007 RENAME TO links`.execute(db)
  const seq = sequence.rows[0]?.seq
  if (seq !== undefined) {
    const copied = (await sql<{ seq: number }>`SELECT seq FROM sqlite_sequence WHERE name = 'links'`.execute(db)).rows[0]?.seq ?? 0
    await sql`DELETE FROM sqlite_sequence WHERE name = 'links'`.execute(db)
    await sql`INSERT INTO sqlite_sequence (name, seq) VALUES ('links', ${Math.max(seq, copied)})`.execute(db)
  }
  for (const index of indexes) await sql.raw(index.sql!).execute(db)
  for (const view of views) await sql.raw(view.sql!).execute(db)
}
