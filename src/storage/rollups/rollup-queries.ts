import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { Database } from '../database.js'
import { rollupSelects } from './rebuild-rollups.js'
import { FACT_COLUMNS } from './rollup-deltas.js'
import { HOUR_MS, INFERRED_SUFFIX, TOTALS } from './rollup-dimensions.js'

/** Which clicks a query counts: some links (each counted apart), a user's links, or every link. */
export type RollupScope = { links: readonly number[] } | { user: number } | { all: true }

export interface RollupRange {
  from?: number
  to?: number
}

export interface RollupCounts {
  clicks: number
  browserUniques: number
  deviceUniques: number
  botClicks: number
  confidenceSum: number
  confidenceCount: number
}

export interface RollupRow extends RollupCounts {
  /** The link (scope `links`); null otherwise. */
  linkId: number | null
  /** The bucket's start (when asked by bucket); null otherwise. */
  bucket: number | null
  dimension: string
  value: string
}

const ZERO: RollupCounts = { clicks: 0, browserUniques: 0, deviceUniques: 0, botClicks: 0, confidenceSum: 0, confidenceCount: 0 }

/**
 * Reads the rollups for the whole hours of a range and the raw clicks only for the
 * partial hours at its edges, so a query's cost follows its hours, not its clicks.
 * `bucketMs` (a multiple of an hour) groups by time; `dimensions` names what to read
 * ('' is the totals).
 */
export async function readRollups(db: Kysely<Database>, scope: RollupScope, range: RollupRange, dimensions: readonly string[], bucketMs: number | null): Promise<RollupRow[]> {
  const { whole, edges } = splitRange(range)
  const wanted = dimensions.flatMap((d) => (d === TOTALS ? [d] : [d, d + INFERRED_SUFFIX]))
  const parts: RawBuilder<unknown>[] = []
  if (whole) {
    const table = 'links' in scope ? sql`click_rollups r` : sql`account_rollups r`
    const key = 'links' in scope ? sql`r.link_id` : null
    const bucket = bucketMs === null ? null : sql`(r.hour - r.hour % ${sql.lit(bucketMs)})`
    const conditions: RawBuilder<unknown>[] = [sql`r.dimension IN (${sql.join(wanted.map((d) => sql.lit(d)))})`]
    if ('links' in scope) conditions.push(sql`r.link_id IN (${sql.join(scope.links.map((id) => sql.lit(id)))})`)
    if ('user' in scope) conditions.push(sql`r.user_id = ${scope.user}`)
    if (whole.from !== undefined) conditions.push(sql`r.hour >= ${whole.from}`)
    if (whole.to !== undefined) conditions.push(sql`r.hour < ${whole.to}`)
    const groups = [key, bucket, sql`r.dimension`, sql`r.value`].filter((g): g is RawBuilder<unknown> => g !== null)
    parts.push(sql`
      SELECT ${key ?? sql`NULL`} AS scope_id, ${bucket ?? sql`NULL`} AS bucket, r.dimension AS dimension, r.value AS value, SUM(r.clicks) AS clicks,
             SUM(r.browser_uniques) AS browser_uniques, SUM(r.device_uniques) AS device_uniques, SUM(r.bot_clicks) AS bot_clicks,
             SUM(r.confidence_sum) AS confidence_sum, SUM(r.confidence_count) AS confidence_count
      FROM ${table} WHERE ${sql.join(conditions, sql` AND `)} GROUP BY ${sql.join(groups)}`)
  }
  let edgeClicks = sql``
  if (edges.length > 0) {
    // The partial hours' clicks, read once (MATERIALIZED) for every dimension's SELECT. One
    // link or a few: clicks_link_ts_idx, a range each. An account or every link: by time
    // (clicks_ts_idx), then the link's owner; the CROSS JOIN keeps SQLite's planner in that
    // order (10 000 link ranges an edge cost 1 s of CPU at 10 M clicks; bench/analytics.ts).
    const facts = sql.join(FACT_COLUMNS.map((c) => sql.ref(`c.${c}`)))
    const selects = edges.map((edge) => {
      const during = sql`c.ts >= ${edge.from} AND c.ts < ${edge.to}`
      if ('links' in scope) return sql`SELECT ${facts} FROM clicks c WHERE c.link_id IN (${sql.join(scope.links.map((id) => sql.lit(id)))}) AND ${during}`
      const owner = 'user' in scope ? sql` AND l.user_id = ${scope.user}` : sql``
      return sql`SELECT ${facts} FROM clicks c CROSS JOIN links l WHERE l.id = c.link_id AND ${during}${owner}`
    })
    edgeClicks = sql`WITH edge_clicks AS MATERIALIZED (${sql.join(selects, sql` UNION ALL `)}) `
    const bucket = bucketMs === null ? null : sql`(c.ts - c.ts % ${sql.lit(bucketMs)})`
    parts.push(rollupSelects('links' in scope ? sql`c.link_id` : null, bucket, sql`edge_clicks c`, sql`1 = 1`, dimensions))
  }
  if (parts.length === 0) return []
  const { rows } = await sql<Record<string, unknown>>`${edgeClicks}${sql.join(parts, sql` UNION ALL `)}`.execute(db)
  // The parts overlap in their keys (an edge hour and the whole hours of one day): summed here.
  const out = new Map<string, RollupRow>()
  for (const r of rows) {
    const linkId = r.scope_id === null || r.scope_id === undefined ? null : Number(r.scope_id)
    const bucket = r.bucket === null || r.bucket === undefined ? null : Number(r.bucket)
    const dimension = String(r.dimension)
    const value = String(r.value)
    const key = `${linkId}\u0000${bucket}\u0000${dimension}\u0000${value}`
    let row = out.get(key)
    if (!row) out.set(key, (row = { linkId, bucket, dimension, value, ...ZERO }))
    row.clicks += Number(r.clicks ?? 0)
    row.browserUniques += Number(r.browser_uniques ?? 0)
    row.deviceUniques += Number(r.device_uniques ?? 0)
    row.botClicks += Number(r.bot_clicks ?? 0)
    row.confidenceSum += Number(r.confidence_sum ?? 0)
    row.confidenceCount += Number(r.confidence_count ?? 0)
  }
  // Rows emptied by deletions stay in the tables until their hour is rebuilt; they count for nothing.
  return [...out.values()].filter((r) => r.clicks !== 0 || r.botClicks !== 0 || r.browserUniques !== 0 || r.deviceUniques !== 0)
}

/** The range's whole hours (rollups) and its partial hours at either end (raw clicks). */
export function splitRange(range: RollupRange): { whole: RollupRange | null; edges: Array<{ from: number; to: number }> } {
  const { from, to } = range
  const up = from === undefined ? undefined : Math.ceil(from / HOUR_MS) * HOUR_MS
  const down = to === undefined ? undefined : Math.floor(to / HOUR_MS) * HOUR_MS
  if (up !== undefined && down !== undefined && up > down) return { whole: null, edges: from! < to! ? [{ from: from!, to: to! }] : [] }
  const edges: Array<{ from: number; to: number }> = []
  if (from !== undefined && up! > from) edges.push({ from, to: up! })
  if (to !== undefined && to > down!) edges.push({ from: down!, to })
  if (up !== undefined && down !== undefined && up === down) return { whole: null, edges }
  return { whole: { ...(up !== undefined && { from: up }), ...(down !== undefined && { to: down }) }, edges }
}
