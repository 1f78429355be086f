import { sql, type Kysely } from 'kysely'
import type { MigrationContext } from './migration-context.js'

/**
 * The identity engine's tables (seed 004's names): enhanced_fingerprints (one row per
 * storage context the engine has seen) and fingerprint_correlations (its browser and
 * device clusters). Clicks keep the signals the engine used, hashed, so a new algorithm
 * version can recompute them, and the legacy id, so a rollback can return to it.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createTable('enhanced_fingerprints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_fingerprint', 'text', (c) => c.notNull())
    .addColumn('browser_fingerprint', 'text', (c) => c.notNull())
    .addColumn('session_fingerprint', 'text', (c) => c.notNull())
    .addColumn('primary_fingerprint', 'text', (c) => c.notNull())
    .addColumn('sdk_device_hash', 'text')
    .addColumn('sdk_browser_hash', 'text')
    .addColumn('browser_name', 'text')
    .addColumn('os_name', 'text')
    .addColumn('device_type', 'text', (c) => c.notNull())
    .addColumn('confidence', 'real', (c) => c.notNull())
    .addColumn('correlation_factors', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('fingerprint_version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('enhanced_fingerprints_last_seen_idx').on('enhanced_fingerprints').column('last_seen').execute()

  await db.schema
    .createTable('fingerprint_correlations')
    .addColumn('fingerprint_id', 'text', (c) => c.primaryKey())
    .addColumn('browser_cluster_id', 'text', (c) => c.notNull())
    .addColumn('device_cluster_id', 'text', (c) => c.notNull())
    .addColumn('correlation_type', 'text')
    .addColumn('confidence_score', 'real', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('fingerprint_correlations_browser_idx').on('fingerprint_correlations').column('browser_cluster_id').execute()
  await db.schema.createIndex('fingerprint_correlations_device_idx').on('fingerprint_correlations').column('device_cluster_id').execute()

  for (const [name, type] of [
    ['fingerprint_id', 'text'], ['legacy_id', 'text'], ['session_hash', 'text'], ['device_hash', 'text'],
    ['sdk_device_hash', 'text'], ['sdk_browser_hash', 'text'], ['signals', 'text'],
  ] as const) {
    await db.schema.alterTable('clicks').addColumn(name, type).execute()
  }
  await db.schema.createIndex('clicks_fingerprint_idx').on('clicks').column('fingerprint_id').execute()

  // Counts follow the final clusters: a click's browser and device are looked up through
  // fingerprint_correlations, which merges rewrite. Under the legacy algorithm (after a
  // rollback) both are the legacy id.
  await sql`DROP VIEW unified_click_analytics`.execute(db)
  await sql`
    CREATE VIEW unified_click_analytics AS
    WITH algorithm AS (SELECT COALESCE((SELECT value FROM settings WHERE key = 'fingerprinting_algorithm'), 'robust') AS name)
    SELECT l.id AS link_id,
           l.slug AS slug,
           COUNT(CASE WHEN c.is_bot = 0 THEN 1 END) AS total_clicks,
           COUNT(DISTINCT CASE WHEN c.is_bot = 0 THEN (CASE WHEN a.name = 'legacy' THEN c.legacy_id ELSE COALESCE(fc.browser_cluster_id, c.browser_id) END) END) AS browser_unique_clicks,
           COUNT(DISTINCT CASE WHEN c.is_bot = 0 THEN (CASE WHEN a.name = 'legacy' THEN c.legacy_id ELSE COALESCE(fc.device_cluster_id, c.device_id) END) END) AS device_unique_clicks,
           AVG(CASE WHEN c.is_bot = 0 THEN c.confidence END) AS avg_confidence,
           COUNT(CASE WHEN c.is_bot = 1 THEN 1 END) AS bot_clicks
    FROM links l
    CROSS JOIN algorithm a
    LEFT JOIN clicks c ON c.link_id = l.id
    LEFT JOIN fingerprint_correlations fc ON fc.fingerprint_id = c.fingerprint_id
    GROUP BY l.id, l.slug
  `.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW unified_click_analytics`.execute(db)
  await db.schema.dropIndex('clicks_fingerprint_idx').execute()
  for (const name of ['fingerprint_id', 'legacy_id', 'session_hash', 'device_hash', 'sdk_device_hash', 'sdk_browser_hash', 'signals']) {
    await db.schema.alterTable('clicks').dropColumn(name).execute()
  }
  await db.schema.dropTable('fingerprint_correlations').execute()
  await db.schema.dropTable('enhanced_fingerprints').execute()
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
