import type { Kysely } from 'kysely'

/**
 * Clicks by time alone: an account's analytics read the raw clicks of a range's partial
 * hours across all of its links, which clicks_link_ts_idx could only serve one link at a
 * time (10 000 index ranges an edge for an account of 10 000 links; docs/analytics.md).
 * Times grow, so each insert lands at the index's right edge.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('clicks_ts_idx').on('clicks').column('ts').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('clicks_ts_idx').execute()
}
