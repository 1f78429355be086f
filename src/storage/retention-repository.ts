import { sql, type Kysely } from 'kysely'
import type { Database } from './database.js'
import { clickFacts, withRollupsAdjusted } from './rollups/rollup-adjustments.js'
import { LinkOwners } from './rollups/rollup-maintenance.js'
import type { ContextCursor, RetentionCounts } from './storage.js'

/** What the retention job (privacy/retention-job.ts) deletes, in bounded statements. */
export class RetentionRepository {
  readonly #db: Kysely<Database>
  readonly #owners = new LinkOwners()

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  /**
   * Retention (privacy/retention-job.ts): deletes the clicks with `afterId < id <= upToId`
   * and `ts < before`. `keptMinTs` is the earliest ts left in that range (null: none left),
   * so a later run can skip the range until its cutoff passes it; `nextId`, given only when
   * the range held no click at all, is the first id after it (null: none). Links'
   * click_count is left alone: it counts clicks ever made against the limit.
   */
  async deleteExpiredClicks(before: number, afterId: number, upToId: number): Promise<{ deleted: number; keptMinTs: number | null; nextId?: number | null }> {
    // A range of the primary key, whatever the clicks' times: exact even where ids and
    // times disagree (replayed history, two instances' clocks), and no statement reads more
    // rows than the range has ids. No index on ts: one more index on the hottest table
    // would cost every click written to spare an hourly job what the ranges' minimum ts
    // already spares it (retention-job.ts).
    // The deleted clicks leave the rollups in the same transaction.
    const result = await this.#db.transaction().execute(async (trx) => {
      const doomed = await trx.selectFrom('clicks').select('id').where('id', '>', afterId).where('id', '<=', upToId).where('ts', '<', before).execute()
      let out = { numDeletedRows: 0n }
      await withRollupsAdjusted(trx, this.#owners, await clickFacts(trx, doomed.map((r) => Number(r.id))), async () => {
        out = await trx.deleteFrom('clicks').where('id', '>', afterId).where('id', '<=', upToId).where('ts', '<', before).executeTakeFirst()
      })
      return out
    })
    const left = await this.#db.selectFrom('clicks').select((eb) => [eb.fn.min('ts').as('ts'), eb.fn.countAll().as('n')])
      .where('id', '>', afterId).where('id', '<=', upToId).executeTakeFirst()
    const deleted = Number(result.numDeletedRows)
    const keptMinTs = left?.ts === null || left?.ts === undefined ? null : Number(left.ts)
    if (deleted > 0 || Number(left?.n ?? 0) > 0) return { deleted, keptMinTs }
    const next = await this.#db.selectFrom('clicks').select((eb) => eb.fn.min('id').as('id')).where('id', '>', upToId).executeTakeFirst()
    return { deleted, keptMinTs, nextId: next?.id === null || next?.id === undefined ? null : Number(next.id) }
  }

  /**
   * Retention: of the next `limit` storage contexts last seen before `before`, in
   * (last_seen, id) order after `after`, deletes those that no click references and that
   * are not the browser or device root of another context: both their rows
   * (enhanced_fingerprints, fingerprint_correlations), in one transaction. `scannedTo` is
   * the last context looked at (null: none after `after`).
   */
  async deleteExpiredIdentities(before: number, after: ContextCursor | null, limit: number): Promise<Omit<RetentionCounts, 'clicks'> & { scannedTo: ContextCursor | null }> {
    return this.#db.transaction().execute(async (trx) => {
      // A window of candidates in last_seen order, deleted or not: last_seen changes only
      // when a context's rows are rewritten, so many contexts that still click look old, and
      // a query for "the next deletable ones" would walk past all of them every batch.
      let window = trx.selectFrom('enhanced_fingerprints').select(['id', 'last_seen']).where('last_seen', '<', before)
      if (after) window = window.where('last_seen', '>=', after.lastSeen).where((eb) => eb.or([eb('last_seen', '>', after.lastSeen), eb('id', '>', after.id)]))
      const candidates = await window.orderBy('last_seen').orderBy('id').limit(limit).execute()
      const last = candidates.at(-1)
      if (!last) return { fingerprints: 0, correlations: 0, scannedTo: null }
      const scannedTo = { lastSeen: Number(last.last_seen), id: last.id }
      // A root still naming another context's cluster stays (the restart reload reads its
      // first-seen time to settle later unions); a later pass takes it once its members are gone.
      // Rows of the two tables are written together (click writers, migration job), so the
      // candidates come from enhanced_fingerprints alone.
      const { rows } = await sql<{ id: string }>`
        DELETE FROM enhanced_fingerprints
        WHERE id IN (${sql.join(candidates.map((c) => c.id))})
          AND NOT EXISTS (SELECT 1 FROM clicks c WHERE c.fingerprint_id = enhanced_fingerprints.id)
          AND NOT EXISTS (SELECT 1 FROM fingerprint_correlations f WHERE f.device_cluster_id = enhanced_fingerprints.id AND f.fingerprint_id <> enhanced_fingerprints.id)
          AND NOT EXISTS (SELECT 1 FROM fingerprint_correlations f WHERE f.browser_cluster_id = enhanced_fingerprints.id AND f.fingerprint_id <> enhanced_fingerprints.id)
        RETURNING id
      `.execute(trx)
      if (rows.length === 0) return { fingerprints: 0, correlations: 0, scannedTo }
      const result = await trx.deleteFrom('fingerprint_correlations').where('fingerprint_id', 'in', rows.map((r) => r.id)).executeTakeFirst()
      return { fingerprints: rows.length, correlations: Number(result.numDeletedRows), scannedTo }
    })
  }

  /** What deleteExpiredClicks and deleteExpiredIdentities, repeated until nothing is left, would delete; deletes nothing. */
  async countExpired(before: number): Promise<RetentionCounts> {
    // A context stays when it was seen since `before` or keeps a click from then on, and so
    // does the root of such a context's clusters (and of a context with no row, which
    // retention never deletes).
    const { rows } = await sql<{ clicks: number; fingerprints: number; correlations: number }>`
      WITH live AS (
        SELECT ef.id FROM enhanced_fingerprints ef
        WHERE ef.last_seen >= ${before} OR EXISTS (SELECT 1 FROM clicks c WHERE c.fingerprint_id = ef.id AND c.ts >= ${before})
      ),
      doomed AS (
        SELECT ef.id FROM enhanced_fingerprints ef
        WHERE ef.id NOT IN (SELECT id FROM live)
          AND NOT EXISTS (
            SELECT 1 FROM fingerprint_correlations f
            WHERE (f.browser_cluster_id = ef.id OR f.device_cluster_id = ef.id) AND f.fingerprint_id <> ef.id
              AND (f.fingerprint_id IN (SELECT id FROM live) OR NOT EXISTS (SELECT 1 FROM enhanced_fingerprints m WHERE m.id = f.fingerprint_id))
          )
      )
      SELECT (SELECT COUNT(*) FROM clicks WHERE ts < ${before}) AS clicks,
             (SELECT COUNT(*) FROM doomed) AS fingerprints,
             (SELECT COUNT(*) FROM fingerprint_correlations WHERE fingerprint_id IN (SELECT id FROM doomed)) AS correlations
    `.execute(this.#db)
    const r = rows[0]
    return { clicks: Number(r?.clicks ?? 0), fingerprints: Number(r?.fingerprints ?? 0), correlations: Number(r?.correlations ?? 0) }
  }
}
