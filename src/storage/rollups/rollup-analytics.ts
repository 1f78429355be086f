import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { Bucket, LinkStats } from '../storage.js'
import { BOT_REASONS, INFERRED_SUFFIX, ROLLUP_DIMENSIONS, TOTALS, type BreakdownName } from './rollup-dimensions.js'
import { readRollups, splitRange, type RollupRange, type RollupRow, type RollupScope } from './rollup-queries.js'

export interface BreakdownItem {
  /** null: unknown. */
  value: string | null
  clicks: number
  browserUniqueClicks: number
  deviceUniqueClicks: number
  /** Geo breakdowns: whether the value was inferred from language and time zone, and the geo answers' mean confidence (0–100). */
  inferred?: boolean
  confidence?: number | null
}

export type Breakdowns = Record<BreakdownName, BreakdownItem[]> & { botReasons: Array<{ value: string | null; clicks: number }> }

/** Values per breakdown in an answer: the long tail of cities and referrers stays out. */
const TOP = 50

/** Stats, time series and breakdowns read from the rollups (rollup-queries.ts). */
export class RollupAnalytics {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  /** The stats of these links (all links: undefined), in id order; links that do not exist are left out. */
  async linkStats(linkIds: readonly number[] | undefined, range: RollupRange): Promise<LinkStats[]> {
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
   * The links of a scope with the most human clicks in the range: ranked by the range's
   * whole hours (the rollups alone, one index range a link), then counted exactly.
   */
  async topLinks(scope: Exclude<RollupScope, { links: readonly number[] }>, range: RollupRange, limit: number): Promise<LinkStats[]> {
    const { whole, edges } = splitRange(range)
    let q = this.#db
      .selectFrom('click_rollups as r')
      .select(['r.link_id', (eb) => eb.fn.sum<number>('r.clicks').as('clicks')])
      .where('r.dimension', '=', TOTALS)
      .groupBy('r.link_id')
      .orderBy('clicks', 'desc')
      .orderBy('r.link_id')
      .limit(limit)
    if ('user' in scope) q = q.where('r.link_id', 'in', (eb) => eb.selectFrom('links').select('id').where('user_id', '=', scope.user))
    if (whole?.from !== undefined) q = q.where('r.hour', '>=', whole.from)
    if (whole?.to !== undefined) q = q.where('r.hour', '<', whole.to)
    const candidates = new Set(whole ? (await q.execute()).map((r) => Number(r.link_id)) : [])
    // A link outside that top could only pass one in it with clicks in the partial hours.
    for (const edge of edges) {
      let e = this.#db.selectFrom('clicks as c').select('c.link_id').distinct().where('c.ts', '>=', edge.from).where('c.ts', '<', edge.to).where('c.is_bot', '=', 0)
      e = 'user' in scope
        ? e.where('c.link_id', 'in', (eb) => eb.selectFrom('links').select('id').where('user_id', '=', scope.user))
        : e.where('c.link_id', 'in', (eb) => eb.selectFrom('links').select('id'))
      for (const r of await e.execute()) candidates.add(Number(r.link_id))
    }
    const stats = await this.linkStats([...candidates], range)
    return stats.filter((s) => s.clicks > 0).sort((a, b) => b.clicks - a.clicks || a.linkId - b.linkId).slice(0, limit)
  }

  /** Human and bot clicks and new uniques per minute since `from` (the live view), from the raw clicks. */
  async minutes(scope: Exclude<RollupScope, { links: readonly number[] }>, from: number): Promise<Bucket[]> {
    const rows = await readRollups(this.#db, scope, { from, to: from + LIVE_SPAN_LIMIT_MS }, [TOTALS], 60_000)
    return rows
      .map((r) => ({ start: r.bucket!, clicks: r.clicks, browserUniqueClicks: r.browserUniques, deviceUniqueClicks: r.deviceUniques, botClicks: r.botClicks }))
      .sort((a, b) => a.start - b.start)
  }
}

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

function round2(n: number): number {
  return Math.round(n * 100) / 100
}
