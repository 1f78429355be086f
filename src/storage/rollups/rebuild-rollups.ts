import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { DialectName } from '../storage.js'
import { BOT_REASONS, HOUR_MS, INFERRED_SUFFIX, ROLLUP_DIMENSIONS, TOTALS } from './rollup-dimensions.js'

const HOUR = sql`(c.ts - c.ts % ${sql.lit(HOUR_MS)})`

/**
 * The rollup rows of the clicks `c` that `where` picks, as one SELECT per dimension
 * (UNION ALL): columns scope_id, bucket, dimension, value and the counts. `key` and `bucket`
 * are SQL expressions over `c` (a link, a user; an hour, a day). The rebuild and the
 * queries' partial hours both read clicks through it, so they count alike.
 */
export function rollupSelects(keyOrNull: RawBuilder<unknown> | null, bucketOrNull: RawBuilder<unknown> | null, from: RawBuilder<unknown>, where: RawBuilder<unknown>, dimensions: readonly string[] | null): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = []
  // PostgreSQL refuses a constant in GROUP BY: what is not grouped is selected as NULL.
  const key = keyOrNull ?? sql`NULL`
  const bucket = bucketOrNull ?? sql`NULL`
  const groupBy = (...more: RawBuilder<unknown>[]) => {
    const all = [keyOrNull, bucketOrNull, ...more].filter((g): g is RawBuilder<unknown> => g !== null)
    return all.length === 0 ? sql`` : sql`GROUP BY ${sql.join(all)}`
  }
  const wanted = (name: string) => dimensions === null || dimensions.includes(name)
  if (wanted(TOTALS)) {
    parts.push(sql`
      SELECT ${key} AS scope_id, ${bucket} AS bucket, ${sql.lit(TOTALS)} AS dimension, '' AS value, SUM(1 - c.is_bot) AS clicks, SUM(c.browser_unique) AS browser_uniques,
             SUM(c.device_unique) AS device_uniques, SUM(c.is_bot) AS bot_clicks,
             COALESCE(SUM(CASE WHEN c.is_bot = 0 THEN CAST(c.confidence AS double precision) END), 0) AS confidence_sum, COUNT(CASE WHEN c.is_bot = 0 THEN c.confidence END) AS confidence_count
      FROM ${from} WHERE ${where} ${groupBy()}`)
  }
  for (const dim of ROLLUP_DIMENSIONS) {
    if (!wanted(dim.name)) continue
    const column = sql.ref(`c.${dim.column}`)
    const dimension: RawBuilder<unknown> = dim.geo
      ? sql`CASE WHEN c.geo_source = 'inference' THEN ${sql.lit(dim.name + INFERRED_SUFFIX)} ELSE ${sql.lit(dim.name)} END`
      : sql.lit(dim.name)
    const confidence = dim.geo
      ? sql`COALESCE(SUM(CAST(c.geo_confidence AS double precision)), 0) AS confidence_sum, COUNT(c.geo_confidence) AS confidence_count`
      : sql`0 AS confidence_sum, 0 AS confidence_count`
    parts.push(sql`
      SELECT ${key} AS scope_id, ${bucket} AS bucket, ${dimension} AS dimension, COALESCE(${column}, '') AS value, COUNT(*) AS clicks,
             SUM(c.browser_unique) AS browser_uniques, SUM(c.device_unique) AS device_uniques, 0 AS bot_clicks, ${confidence}
      FROM ${from} WHERE (${where}) AND c.is_bot = 0 ${dim.geo ? groupBy(dimension, sql`COALESCE(${column}, '')`) : groupBy(sql`COALESCE(${column}, '')`)}`)
  }
  if (wanted(BOT_REASONS)) {
    parts.push(sql`
      SELECT ${key} AS scope_id, ${bucket} AS bucket, ${sql.lit(BOT_REASONS)} AS dimension, COALESCE(c.bot_reason, '') AS value, 0 AS clicks, 0 AS browser_uniques,
             0 AS device_uniques, COUNT(*) AS bot_clicks, 0 AS confidence_sum, 0 AS confidence_count
      FROM ${from} WHERE (${where}) AND c.is_bot = 1 ${groupBy(sql`COALESCE(c.bot_reason, '')`)}`)
  }
  return sql.join(parts, sql` UNION ALL `)
}

/** Memory a rebuild may sort and group in before it spills to disk: its GROUP BYs and window run over every click. */
const REBUILD_MEMORY_MB = 256

/**
 * Recomputes every unique flag, link_visitors and both rollup tables from the clicks, in
 * SQL: the same counts the writer keeps click by click (rollup-deltas.ts), for migration
 * 009 and after the fingerprint migration job rewrote every click's clusters. One pass
 * finds each (link, cluster)'s first click at both levels; flags are rewritten only where
 * they change. Runs in the caller's transaction.
 * Figures: docs/analytics.md (11 M clicks: ~11 minutes on either database, on a loaded
 * machine; 1 M clicks on SQLite 23 s, 34 s with a scan and a window per level).
 */
export async function rebuildRollups(db: Kysely<any>, dialect: DialectName, onStep?: (step: string, ms: number) => void): Promise<void> {
  let t = performance.now()
  const step = (name: string) => {
    const now = performance.now()
    onStep?.(name, now - t)
    t = now
  }
  let cacheBefore: number | undefined
  if (dialect === 'postgres') await sql.raw(`SET LOCAL work_mem = '${REBUILD_MEMORY_MB}MB'`).execute(db)
  else {
    cacheBefore = Number((await sql<{ cache_size: number }>`PRAGMA cache_size`.execute(db)).rows[0]?.cache_size)
    await sql.raw(`PRAGMA cache_size = -${REBUILD_MEMORY_MB * 1024}`).execute(db)
  }
  try {
    const browser = sql`COALESCE(fc.browser_cluster_id, c.browser_id)`
    const device = sql`COALESCE(fc.device_cluster_id, c.device_id)`
    const first = (cluster: RawBuilder<unknown>) =>
      sql`CASE WHEN ${cluster} IS NULL THEN 0 WHEN ROW_NUMBER() OVER (PARTITION BY c.link_id, ${cluster} ORDER BY c.ts, c.id) = 1 THEN 1 ELSE 0 END`
    await sql`DROP TABLE IF EXISTS rollup_first_clicks`.execute(db)
    await sql`
      CREATE TEMPORARY TABLE rollup_first_clicks (
        id bigint PRIMARY KEY, link_id bigint NOT NULL, browser text, device text, browser_unique integer NOT NULL, device_unique integer NOT NULL
      )`.execute(db)
    await sql`
      INSERT INTO rollup_first_clicks (id, link_id, browser, device, browser_unique, device_unique)
      SELECT id, link_id, browser, device, b, d FROM (
        SELECT c.id, c.link_id, ${browser} AS browser, ${device} AS device, ${first(browser)} AS b, ${first(device)} AS d
        FROM clicks c LEFT JOIN fingerprint_correlations fc ON fc.fingerprint_id = c.fingerprint_id
        WHERE c.is_bot = 0
      ) ranked WHERE b = 1 OR d = 1
    `.execute(db)
    // PostgreSQL plans the joins below from this table's statistics, which a new temporary table lacks.
    if (dialect === 'postgres') await sql`ANALYZE rollup_first_clicks`.execute(db)
    step('first clicks')
    await sql`
      UPDATE clicks SET browser_unique = 0, device_unique = 0
      WHERE (browser_unique <> 0 OR device_unique <> 0) AND id NOT IN (SELECT id FROM rollup_first_clicks)
    `.execute(db)
    await sql`
      UPDATE clicks SET browser_unique = f.browser_unique, device_unique = f.device_unique FROM rollup_first_clicks f
      WHERE clicks.id = f.id AND (clicks.browser_unique <> f.browser_unique OR clicks.device_unique <> f.device_unique)
    `.execute(db)
    step('flags')
    await sql`DELETE FROM link_visitors`.execute(db)
    await sql`
      INSERT INTO link_visitors (level, cluster_id, link_id)
      SELECT level, cluster_id, link_id FROM (
        SELECT 'browser' AS level, browser AS cluster_id, link_id FROM rollup_first_clicks WHERE browser_unique = 1
        UNION ALL
        SELECT 'device', device, link_id FROM rollup_first_clicks WHERE device_unique = 1
      ) v ORDER BY level, cluster_id, link_id
    `.execute(db)
    await sql`DROP TABLE rollup_first_clicks`.execute(db)
    step('link_visitors')
    await sql`DELETE FROM click_rollups`.execute(db)
    await sql`DELETE FROM account_rollups`.execute(db)
    await sql`
      INSERT INTO click_rollups (link_id, hour, dimension, value, clicks, browser_uniques, device_uniques, bot_clicks, confidence_sum, confidence_count)
      ${rollupSelects(sql`c.link_id`, HOUR, sql`clicks c`, sql`1 = 1`, null)}
    `.execute(db)
    step('click_rollups')
    await sql`
      INSERT INTO account_rollups (user_id, hour, dimension, value, clicks, browser_uniques, device_uniques, bot_clicks, confidence_sum, confidence_count)
      SELECT l.user_id, r.hour, r.dimension, r.value, SUM(r.clicks), SUM(r.browser_uniques), SUM(r.device_uniques), SUM(r.bot_clicks), SUM(r.confidence_sum), SUM(r.confidence_count)
      FROM click_rollups r JOIN links l ON l.id = r.link_id
      GROUP BY l.user_id, r.hour, r.dimension, r.value
    `.execute(db)
    step('account_rollups')
  } finally {
    if (cacheBefore !== undefined && Number.isFinite(cacheBefore)) await sql.raw(`PRAGMA cache_size = ${cacheBefore}`).execute(db)
  }
}
