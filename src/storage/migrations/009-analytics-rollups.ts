import { sql, type Kysely } from 'kysely'
import { rebuildRollups } from '../rollups/rebuild-rollups.js'
import type { MigrationContext } from './migration-context.js'

const TEXT_COLUMNS = ['browser_name', 'os_name', 'device_type', 'city', 'language', 'geo_source'] as const

/**
 * The breakdowns' columns on clicks, the unique flags and the hourly rollups the analytics
 * read (docs/analytics.md). Earlier clicks get city, language and geo source from their
 * signals JSON and browser, OS and device type from their context's enhanced_fingerprints
 * row; clicks with neither (bots, clicks from before the identity engine) show as unknown.
 */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  for (const name of TEXT_COLUMNS) await db.schema.alterTable('clicks').addColumn(name, 'text').execute()
  await db.schema.alterTable('clicks').addColumn('geo_confidence', 'real').execute()
  for (const name of ['browser_unique', 'device_unique']) await db.schema.alterTable('clicks').addColumn(name, 'integer', (c) => c.notNull().defaultTo(0)).execute()

  const json = (path: string) => (ctx.dialect === 'sqlite' ? sql`json_extract(signals, ${`$.${path}`})` : sql`(signals::json #>> ${`{${path.replace('.', ',')}}`})`)
  await sql`
    UPDATE clicks SET city = ${json('geo.city')}, language = ${json('language')}, geo_source = ${json('geo.source')},
      geo_confidence = CAST(${json('geo.confidence')} AS real)
    WHERE signals IS NOT NULL AND is_bot = 0
  `.execute(db)
  await sql`
    UPDATE clicks SET browser_name = ef.browser_name, os_name = ef.os_name, device_type = ef.device_type
    FROM enhanced_fingerprints ef WHERE ef.id = clicks.fingerprint_id AND clicks.is_bot = 0
  `.execute(db)

  await db.schema
    .createTable('link_visitors')
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('cluster_id', 'text', (c) => c.notNull())
    .addColumn('link_id', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('link_visitors_pk', ['level', 'cluster_id', 'link_id'])
    .$call((b) => (ctx.dialect === 'sqlite' ? b.modifyEnd(sql`WITHOUT ROWID`) : b))
    .execute()
  for (const [table, scope] of [['click_rollups', 'link_id'], ['account_rollups', 'user_id']] as const) {
    await db.schema
      .createTable(table)
      .addColumn(scope, 'bigint', (c) => c.notNull())
      .addColumn('dimension', 'text', (c) => c.notNull())
      .addColumn('hour', 'bigint', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('clicks', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('browser_uniques', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('device_uniques', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('bot_clicks', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('confidence_sum', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('confidence_count', 'bigint', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint(`${table}_pk`, [scope, 'dimension', 'hour', 'value'])
      .$call((b) => (ctx.dialect === 'sqlite' ? b.modifyEnd(sql`WITHOUT ROWID`) : b))
      .execute()
  }
  await rebuildRollups(db, ctx.dialect)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['account_rollups', 'click_rollups', 'link_visitors']) await db.schema.dropTable(table).execute()
  for (const name of [...TEXT_COLUMNS, 'geo_confidence', 'browser_unique', 'device_unique']) await db.schema.alterTable('clicks').dropColumn(name).execute()
}
