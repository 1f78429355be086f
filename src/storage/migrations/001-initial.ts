import { sql, type Kysely } from 'kysely'
import type { MigrationContext } from './migration-context.js'

export async function up(db: Kysely<unknown>, { idColumn, rowIdColumn }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('users')
    .addColumn('id', ...idColumn)
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('api_keys')
    .addColumn('id', ...idColumn)
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute()

  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute()

  await db.schema
    .createTable('links')
    .addColumn('id', ...idColumn)
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('max_clicks', 'bigint')
    .addColumn('redirect_status', 'integer', (c) => c.notNull().defaultTo(302))
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('click_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema.createIndex('links_user_id_idx').on('links').columns(['user_id', 'id']).execute()

  // No foreign key to links: the click writer may still hold clicks of a link being
  // deleted, and one such click must not fail a whole batch of other links' clicks.
  await db.schema
    .createTable('clicks')
    .addColumn('id', ...rowIdColumn)
    .addColumn('link_id', 'bigint', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('ip_hash', 'text', (c) => c.notNull())
    .addColumn('ip_prefix_hash', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .addColumn('referrer_host', 'text')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('is_bot', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('bot_reason', 'text')
    .addColumn('browser_id', 'text')
    .addColumn('device_id', 'text')
    .addColumn('confidence', 'real')
    .addColumn('identity_source', 'text')
    .addColumn('fingerprint_version', 'integer')
    .execute()
  await db.schema.createIndex('clicks_link_ts_idx').on('clicks').columns(['link_id', 'ts']).execute()

  await sql`
    CREATE VIEW unified_click_analytics AS
    SELECT l.id AS link_id,
           l.slug AS slug,
           COUNT(CASE WHEN c.is_bot = 0 THEN 1 END) AS total_clicks,
           COUNT(DISTINCT CASE WHEN c.is_bot = 0 THEN c.browser_id END) AS browser_unique_clicks,
           COUNT(DISTINCT CASE WHEN c.is_bot = 0 THEN c.device_id END) AS device_unique_clicks,
           AVG(CASE WHEN c.is_bot = 0 THEN c.confidence END) AS avg_confidence,
           COUNT(CASE WHEN c.is_bot = 1 THEN 1 END) AS bot_clicks
    FROM links l LEFT JOIN clicks c ON c.link_id = l.id
    GROUP BY l.id, l.slug
  `.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS unified_click_analytics`.execute(db)
  for (const table of ['clicks', 'links', 'sessions', 'api_keys', 'users', 'settings']) {
    await db.schema.dropTable(table).ifExists().execute()
  }
}
