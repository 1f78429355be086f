import type { Kysely } from 'kysely'
import type { Database } from './database.js'
import type { ClickBatchWriter } from './linkprint-dialect.js'
import { reclassifyWithRollups } from './rollups/rollup-adjustments.js'
import { LinkOwners } from './rollups/rollup-maintenance.js'
import type { ClickReclassification, ClickRecord, ClickRow, TimeRange } from './storage.js'
import { withRange } from './with-range.js'

/** The clicks table: the click writer's batches, reclassified bots, and exports. */
export class ClicksRepository {
  readonly #db: Kysely<Database>
  readonly #clickBatchWriter: ClickBatchWriter
  readonly #owners = new LinkOwners()

  constructor(db: Kysely<Database>, clickBatchWriter: ClickBatchWriter) {
    this.#db = db
    this.#clickBatchWriter = clickBatchWriter
  }

  /** One transaction: the clicks, the links' human-click counters, new fingerprints and cluster merges. */
  async insertClicks(records: readonly ClickRecord[]): Promise<void> {
    if (records.length > 0) await this.#clickBatchWriter.write(this.#db, records)
  }

  async countClicks(linkId?: number): Promise<number> {
    let q = this.#db.selectFrom('clicks').select((eb) => eb.fn.countAll<number>().as('n'))
    if (linkId !== undefined) q = q.where('link_id', '=', linkId)
    return Number((await q.executeTakeFirstOrThrow()).n)
  }

  /**
   * One transaction: each click becomes a bot with its reason, and stops counting against
   * its link's click_count. Clicks already bots, or not found, are left alone; returns how
   * many changed.
   */
  async reclassifyClicks(clicks: readonly ClickReclassification[]): Promise<number> {
    if (clicks.length === 0) return 0
    return this.#db.transaction().execute(async (trx) => {
      const changed: Array<{ id: number; botReason: string }> = []
      for (const c of clicks) {
        // clicks_link_ts_idx finds the row; the other columns pick it among the link's clicks of that millisecond.
        const row = await trx
          .selectFrom('clicks')
          .select('id')
          .where('link_id', '=', c.link_id)
          .where('ts', '=', c.ts)
          .where('ip_hash', '=', c.ip_hash)
          .where('method', '=', c.method)
          .where('user_agent', c.user_agent === null ? 'is' : '=', c.user_agent)
          .where('is_bot', '=', 0)
          // Rows change together at the end (their rollups with them): two reclassifications of identical rows pick two rows.
          .$if(changed.length > 0, (q) => q.where('id', 'not in', changed.map((x) => x.id)))
          .orderBy('id')
          .limit(1)
          .executeTakeFirst()
        if (!row) continue
        changed.push({ id: Number(row.id), botReason: c.bot_reason })
        await trx.updateTable('links').set((eb) => ({ click_count: eb('click_count', '-', 1) })).where('id', '=', c.link_id).execute()
      }
      await reclassifyWithRollups(trx, this.#owners, changed)
      return changed.length
    })
  }

  /** Pages through a link's clicks in id order, for exports that never hold them all in memory. */
  async clicksPage(linkId: number, range: TimeRange, afterId: number, limit: number): Promise<ClickRow[]> {
    let q = this.#db.selectFrom('clicks as c').selectAll().where('c.link_id', '=', linkId).where('c.id', '>', afterId).orderBy('c.id').limit(limit)
    q = withRange(q, range)
    return (await q.execute()) as ClickRow[]
  }
}
