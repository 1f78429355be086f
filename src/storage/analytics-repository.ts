import { sql, type Kysely } from 'kysely'
import type { Database } from './database.js'
import { rebuildRollups } from './rollups/rebuild-rollups.js'
import { BOT_REASONS, HOUR_MS, INFERRED_SUFFIX, ROLLUP_DIMENSIONS, TOTALS } from './rollups/rollup-dimensions.js'
import { readRollups, type RollupRange, type RollupRow, type RollupScope } from './rollups/rollup-queries.js'
import type { Breakdown, BreakdownItem, Breakdowns, Bucket, DialectName, LinkStats, TimeRange } from './storage.js'
import { withRange } from './with-range.js'

const LEGACY = sql`(SELECT value FROM settings WHERE key = 'fingerprinting_algorithm') = 'legacy'`
/**
 * A click's browser and device as clusters stand now (merges rewrite
 * fingerprint_correlations), or its legacy id after a rollback; the same expressions as
 * the view unified_click_analytics, so the two always agree.
 */
const BROWSER_OF_CLICK = sql`CASE WHEN ${LEGACY} THEN c.legacy_id ELSE COALESCE(fc.browser_cluster_id, c.browser_id) END`
const DEVICE_OF_CLICK = sql`CASE WHEN ${LEGACY} THEN c.legacy_id ELSE COALESCE(fc.device_cluster_id, c.device_id) END`

/**
 * What the stats routes read: counts, unique visitors, time series and breakdowns of a
 * link's clicks, or of an account's. They come from the hourly rollups (rollups/ and
 * docs/analytics.md), and from the raw clicks for a range's partial hours.
 */
export class AnalyticsRepository {
  readonly #db: Kysely<Database>

  readonly #dialect: DialectName

  constructor(db: Kysely<Database>, dialect: DialectName) {
    this.#db = db
    this.#dialect = dialect
  }

  /**
   * Under the legacy algorithm (after a rollback) a visitor is the legacy id, which the
   * rollups' unique flags do not follow: stats and series then count the raw clicks.
   */
  async #legacy(): Promise<boolean> {
    const row = await this.#db.selectFrom('settings').select('value').where('key', '=', 'fingerprinting_algorithm').executeTakeFirst()
    return row?.value === 'legacy'
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
    if (!(await this.#legacy())) return this.#rollupStats(typeof linkIds === 'number' ? [linkIds] : linkIds, range)
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
    if (!(await this.#legacy()) && bucketMs % HOUR_MS === 0) return this.series({ links: [linkId] }, range, bucketMs)
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

  /** The raw count of one column (the breakdowns before rollups; kept for what reads it by column). */
  async breakdown(linkId: number, range: TimeRange, column: 'referrer_host' | 'identity_source' | 'bot_reason' | 'country'): Promise<Breakdown[]> {
    const humansOnly = column !== 'bot_reason'
    let q = this.#db
      .selectFrom('clicks as c')
      .select([`c.${column} as value`, (eb) => eb.fn.countAll<number>().as('clicks')])
      .where('c.link_id', '=', linkId)
      .where('c.is_bot', '=', humansOnly ? 0 : 1)
      .groupBy(`c.${column}`)
      .orderBy('clicks', 'desc')
      // Ties in a stable order on both databases (their scans' order differs, and so do their NULLs'): values, then unknown.
      .orderBy(sql`CASE WHEN c.${sql.raw(column)} IS NULL THEN 1 ELSE 0 END`)
      .orderBy(`c.${column}`)
      .limit(50)
    q = withRange(q, range)
    const rows = await q.execute()
    return rows.map((r) => ({ value: r.value, clicks: Number(r.clicks) }))
  }

  /** The stats of these links (all links: undefined), in id order, from the rollups; links that do not exist are left out. */
  async #rollupStats(linkIds: readonly number[] | undefined, range: RollupRange): Promise<LinkStats[]> {
    let q = this.#db.selectFrom('links').select(['id', 'slug']).orderBy('id')
    if (linkIds !== undefined) {
      if (linkIds.length === 0) return []
      q = q.where('id', 'in', [...linkIds])
    }
    const links = await q.execute()
    if (links.length === 0) return []
    const rows = await readRollups(this.#db, { links: links.map((l) => Number(l.id)) }, range, [TOTALS], null)
    const byLink = new Map(rows.map((r) => [r.linkId, r]))
    return links.map((l) => ({ linkId: Number(l.id), slug: l.slug, ...statsOf(byLink.get(Number(l.id))) }))
  }

  /** Totals of a scope (a user's links, all links) as one LinkStats-like record. */
  async totals(scope: RollupScope, range: RollupRange): Promise<Omit<LinkStats, 'linkId' | 'slug'>> {
    const rows = await readRollups(this.#db, scope, range, [TOTALS], null)
    return statsOf(sumRows(rows))
  }

  async series(scope: RollupScope, range: RollupRange, bucketMs: number): Promise<Bucket[]> {
    const rows = await readRollups(this.#db, scope, range, [TOTALS], bucketMs)
    const byBucket = new Map<number, RollupRow[]>()
    for (const r of rows) byBucket.set(r.bucket!, [...(byBucket.get(r.bucket!) ?? []), r])
    return [...byBucket.entries()].sort(([a], [b]) => a - b).map(([start, parts]) => {
      const s = sumRows(parts)!
      return { start, clicks: s.clicks, browserUniqueClicks: s.browserUniques, deviceUniqueClicks: s.deviceUniques, botClicks: s.botClicks }
    })
  }

  async breakdowns(scope: RollupScope, range: RollupRange): Promise<Breakdowns> {
    const rows = await readRollups(this.#db, scope, range, [...ROLLUP_DIMENSIONS.map((d) => d.name), BOT_REASONS], null)
    const out = { botReasons: [] } as unknown as Breakdowns
    for (const dim of ROLLUP_DIMENSIONS) {
      const items: BreakdownItem[] = []
      for (const inferred of dim.geo ? [false, true] : [false]) {
        const name = inferred ? dim.name + INFERRED_SUFFIX : dim.name
        for (const r of rows) {
          if (r.dimension !== name || r.clicks === 0) continue
          items.push({
            value: r.value === '' ? null : r.value, clicks: r.clicks, browserUniqueClicks: r.browserUniques, deviceUniqueClicks: r.deviceUniques,
            ...(dim.geo && { inferred, confidence: r.confidenceCount === 0 ? null : round2(r.confidenceSum / r.confidenceCount) }),
          })
        }
      }
      out[dim.name] = top(items)
    }
    out.botReasons = top(rows.filter((r) => r.dimension === BOT_REASONS && r.botClicks > 0).map((r) => ({ value: r.value === '' ? null : r.value, clicks: r.botClicks })))
    return out
  }

  /**
   * The links of a scope with the most human clicks in the range, counted exactly. Links
   * are counted in order of their click_count, a bound on the human clicks they have
   * stored (it counts every human click ever written and loses only those reclassified as
   * bots; retention and deletions leave it), and the walk stops when no link left can pass
   * the last of the top. Ranking every link's hours instead read ~4.5 M rollup rows for an
   * account of 10 000 links (bench/analytics.ts).
   */
  async topLinks(scope: Exclude<RollupScope, { links: readonly number[] }>, range: RollupRange, limit: number, chunkSize = TOP_LINKS_CHUNK): Promise<LinkStats[]> {
    let q = this.#db.selectFrom('links').select(['id', 'click_count']).orderBy('click_count', 'desc').orderBy('id')
    if ('user' in scope) q = q.where('user_id', '=', scope.user)
    const links = await q.execute()
    let best: LinkStats[] = []
    for (let i = 0; i < links.length; i += chunkSize) {
      const chunk = links.slice(i, i + chunkSize)
      const last = best[limit - 1]
      // A tie with the last of the top could still enter it by a lower id: stop only when strictly past.
      if (last !== undefined && last.clicks > Number(chunk[0]!.click_count)) break
      if (Number(chunk[0]!.click_count) === 0) break
      const stats = await this.#rollupStats(chunk.map((l) => Number(l.id)), range)
      best = [...best, ...stats.filter((s) => s.clicks > 0)].sort((a, b) => b.clicks - a.clicks || a.linkId - b.linkId).slice(0, limit)
    }
    return best
  }

  /** Human and bot clicks and new uniques per minute since `from` (the live view), from the raw clicks. */
  async minutes(scope: Exclude<RollupScope, { links: readonly number[] }>, from: number): Promise<Bucket[]> {
    const rows = await readRollups(this.#db, scope, { from, to: from + LIVE_SPAN_LIMIT_MS }, [TOTALS], 60_000)
    return rows
      .map((r) => ({ start: r.bucket!, clicks: r.clicks, browserUniqueClicks: r.browserUniques, deviceUniqueClicks: r.deviceUniques, botClicks: r.botClicks }))
      .sort((a, b) => a.start - b.start)
  }

  /** Recounts the unique flags and the rollups from the clicks (after the fingerprint migration job rewrote their clusters). */
  async rebuildRollups(onStep?: (step: string, ms: number) => void): Promise<void> {
    await this.#db.transaction().execute((trx) => rebuildRollups(trx, this.#dialect, onStep))
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100
}

/** Links counted at a time while looking for the top links: one query each. */
const TOP_LINKS_CHUNK = 50

/** Values per breakdown in an answer: the long tail of cities and referrers stays out. */
const TOP = 50

/** The live view's window is read from raw clicks: kept under an hour so it never reaches the rollups' whole hours twice. */
const LIVE_SPAN_LIMIT_MS = 3_600_000 - 1

function top<T extends { clicks: number; value: string | null }>(items: T[]): T[] {
  return items.sort((a, b) => b.clicks - a.clicks || String(a.value).localeCompare(String(b.value))).slice(0, TOP)
}

function sumRows(rows: readonly RollupRow[]): RollupRow | undefined {
  if (rows.length === 0) return undefined
  const out = { ...rows[0]! }
  for (const r of rows.slice(1)) {
    out.clicks += r.clicks
    out.browserUniques += r.browserUniques
    out.deviceUniques += r.deviceUniques
    out.botClicks += r.botClicks
    out.confidenceSum += r.confidenceSum
    out.confidenceCount += r.confidenceCount
  }
  return out
}

function statsOf(row: RollupRow | undefined): Omit<LinkStats, 'linkId' | 'slug'> {
  return {
    clicks: row?.clicks ?? 0,
    browserUniqueClicks: row?.browserUniques ?? 0,
    deviceUniqueClicks: row?.deviceUniques ?? 0,
    avgConfidence: row && row.confidenceCount > 0 ? round2(row.confidenceSum / row.confidenceCount) : null,
    botClicks: row?.botClicks ?? 0,
  }
}
