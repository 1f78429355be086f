import { sql, type Kysely } from 'kysely'
import type { Database } from './database.js'
import type { Breakdown, Bucket, LinkStats, TimeRange } from './storage.js'
import { withRange } from './with-range.js'

const LEGACY = sql`(SELECT value FROM settings WHERE key = 'fingerprinting_algorithm') = 'legacy'`
/**
 * A click's browser and device as clusters stand now (merges rewrite
 * fingerprint_correlations), or its legacy id after a rollback; the same expressions as
 * the view unified_click_analytics, so the two always agree.
 */
const BROWSER_OF_CLICK = sql`CASE WHEN ${LEGACY} THEN c.legacy_id ELSE COALESCE(fc.browser_cluster_id, c.browser_id) END`
const DEVICE_OF_CLICK = sql`CASE WHEN ${LEGACY} THEN c.legacy_id ELSE COALESCE(fc.device_cluster_id, c.device_id) END`

/** What the stats routes read: counts, unique visitors, time series and breakdowns of a link's clicks. */
export class AnalyticsRepository {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async linkStats(linkId: number, range: TimeRange): Promise<LinkStats | undefined> {
    const [stats] = await this.#stats(range, linkId)
    return stats
  }

  allLinkStats(range: TimeRange): Promise<LinkStats[]> {
    return this.#stats(range)
  }

  /** linkStats of several links in one query (a page of the link list); links that do not exist are left out. */
  async linkStatsOf(linkIds: readonly number[], range: TimeRange): Promise<LinkStats[]> {
    if (linkIds.length === 0) return []
    return this.#stats(range, linkIds)
  }

  async #stats(range: TimeRange, linkIds?: number | readonly number[]): Promise<LinkStats[]> {
    let q = this.#db
      .selectFrom('links as l')
      .leftJoin('clicks as c', (join) => {
        let on = join.onRef('c.link_id', '=', 'l.id')
        if (range.from !== undefined) on = on.on('c.ts', '>=', range.from)
        if (range.to !== undefined) on = on.on('c.ts', '<', range.to)
        return on
      })
      .leftJoin('fingerprint_correlations as fc', 'fc.fingerprint_id', 'c.fingerprint_id')
      .select([
        'l.id as linkId',
        'l.slug as slug',
        sql<number>`COUNT(CASE WHEN c.is_bot = 0 THEN 1 END)`.as('clicks'),
        sql<number>`COUNT(DISTINCT CASE WHEN c.is_bot = 0 THEN ${BROWSER_OF_CLICK} END)`.as('browserUniqueClicks'),
        sql<number>`COUNT(DISTINCT CASE WHEN c.is_bot = 0 THEN ${DEVICE_OF_CLICK} END)`.as('deviceUniqueClicks'),
        sql<number | null>`AVG(CASE WHEN c.is_bot = 0 THEN c.confidence END)`.as('avgConfidence'),
        sql<number>`COUNT(CASE WHEN c.is_bot = 1 THEN 1 END)`.as('botClicks'),
      ])
      .groupBy(['l.id', 'l.slug'])
      .orderBy('l.id')
    if (typeof linkIds === 'number') q = q.where('l.id', '=', linkIds)
    else if (linkIds !== undefined) q = q.where('l.id', 'in', [...linkIds])
    const rows = await q.execute()
    return rows.map((r) => ({
      linkId: Number(r.linkId),
      slug: r.slug,
      clicks: Number(r.clicks),
      browserUniqueClicks: Number(r.browserUniqueClicks),
      deviceUniqueClicks: Number(r.deviceUniqueClicks),
      avgConfidence: r.avgConfidence === null ? null : round2(Number(r.avgConfidence)),
      botClicks: Number(r.botClicks),
    }))
  }

  /** The view unified_click_analytics, as SQL sees it (kept to check it agrees with linkStats). */
  async unifiedClickAnalytics() {
    const { rows } = await sql<{ link_id: number; total_clicks: number; browser_unique_clicks: number; device_unique_clicks: number; avg_confidence: number | null }>`
      SELECT link_id, total_clicks, browser_unique_clicks, device_unique_clicks, avg_confidence FROM unified_click_analytics ORDER BY link_id
    `.execute(this.#db)
    return rows.map((r) => ({
      linkId: Number(r.link_id),
      totalClicks: Number(r.total_clicks),
      browserUniqueClicks: Number(r.browser_unique_clicks),
      deviceUniqueClicks: Number(r.device_unique_clicks),
      avgConfidence: r.avg_confidence === null ? null : round2(Number(r.avg_confidence)),
    }))
  }

  async timeSeries(linkId: number, range: TimeRange, bucketMs: number): Promise<Bucket[]> {
    // Integer division floors the same way in both dialects (times are never negative).
    const bucket = sql.lit(Math.trunc(bucketMs))
    const start = sql<number>`(c.ts / ${bucket}) * ${bucket}`
    let q = this.#db
      .selectFrom('clicks as c')
      .leftJoin('fingerprint_correlations as fc', 'fc.fingerprint_id', 'c.fingerprint_id')
      .select([
        start.as('start'),
        sql<number>`COUNT(CASE WHEN c.is_bot = 0 THEN 1 END)`.as('clicks'),
        sql<number>`COUNT(DISTINCT CASE WHEN c.is_bot = 0 THEN ${BROWSER_OF_CLICK} END)`.as('browserUniqueClicks'),
        sql<number>`COUNT(DISTINCT CASE WHEN c.is_bot = 0 THEN ${DEVICE_OF_CLICK} END)`.as('deviceUniqueClicks'),
        sql<number>`COUNT(CASE WHEN c.is_bot = 1 THEN 1 END)`.as('botClicks'),
      ])
      .where('c.link_id', '=', linkId)
      .groupBy(start)
      .orderBy(start)
    q = withRange(q, range)
    const rows = await q.execute()
    return rows.map((r) => ({
      start: Number(r.start),
      clicks: Number(r.clicks),
      browserUniqueClicks: Number(r.browserUniqueClicks),
      deviceUniqueClicks: Number(r.deviceUniqueClicks),
      botClicks: Number(r.botClicks),
    }))
  }

  async breakdown(linkId: number, range: TimeRange, column: 'referrer_host' | 'identity_source' | 'bot_reason' | 'country'): Promise<Breakdown[]> {
    const humansOnly = column !== 'bot_reason'
    let q = this.#db
      .selectFrom('clicks as c')
      .select([`c.${column} as value`, (eb) => eb.fn.countAll<number>().as('clicks')])
      .where('c.link_id', '=', linkId)
      .where('c.is_bot', '=', humansOnly ? 0 : 1)
      .groupBy(`c.${column}`)
      .orderBy('clicks', 'desc')
      .limit(50)
    q = withRange(q, range)
    const rows = await q.execute()
    return rows.map((r) => ({ value: r.value, clicks: Number(r.clicks) }))
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100
}
