import { sql, type Kysely } from 'kysely'
import type { MigrationContext } from './migration-context.js'

/**
 * The country a click is attributed to (ISO 3166-1 alpha-2, from the geo stage, after the
 * per-device stability rule), as a column: the analytics' country breakdown groups by it,
 * which the JSON it came in (clicks.signals) would make a parse per row. Earlier clicks get
 * it from that JSON, once.
 */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  await db.schema.alterTable('clicks').addColumn('country', 'text').execute()
  const fromSignals = ctx.dialect === 'sqlite'
    ? sql`json_extract(signals, '$.geo.country')`
    : sql`(signals::json -> 'geo' ->> 'country')`
  await sql`UPDATE clicks SET country = ${fromSignals} WHERE signals IS NOT NULL`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('clicks').dropColumn('country').execute()
}
