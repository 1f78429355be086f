/**
 * Analytics latency at scale, on SQLite and PostgreSQL:
 *   npx tsx bench/analytics.ts [--clicks 1000000] [--links 1000] [--dialects sqlite,postgres]
 *
 * Builds two data sets with bulk SQL (no HTTP): `--clicks` on one link, and `--clicks`
 * spread over `--links` links of one account (a few links take most clicks, as on a real
 * instance), over 30 days, with realistic breakdown values, 8 % bots and visitors who come
 * back; the unique flags and rollups are then built by the same rebuild migration 009
 * runs. It then times what each route does server-side (the repositories' queries the
 * route awaits, not HTTP), 7 runs after one warm-up, and prints medians beside the
 * targets: stats ≤ 50 ms, link analytics ≤ 200 ms, account analytics ≤ 300 ms, a page of
 * the link list with stats ≤ 100 ms.
 */
import { Kysely, sql } from 'kysely'
import { parseArgs } from 'node:util'
import { dialectFromUrl, openRepositories } from '../src/storage/open-repositories.js'
import type { Repositories } from '../src/storage/repositories.js'
import type { DialectName } from '../src/storage/storage.js'
import { createTestDatabase } from '../test/helpers/test-databases.js'

const { values } = parseArgs({ options: { clicks: { type: 'string', default: '1000000' }, links: { type: 'string', default: '1000' }, dialects: { type: 'string', default: 'sqlite,postgres' } } })
const CLICKS = Number(values.clicks)
const LINKS = Number(values.links)
const DAY = 86_400_000
const END = Math.floor(Date.now() / DAY) * DAY - 4 * DAY
const START = END - 30 * DAY

/** Rows `n` in [0, count) as SQL over a row number `n`: each column a cheap hash of it, so the data is the same on both databases. */
function clickSelect(dialect: DialectName, count: number, linkOf: string): string {
  const numbers = dialect === 'sqlite'
    ? `WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n + 1 < ${count}) SELECT n FROM g`
    : `SELECT n::bigint AS n FROM generate_series(0, ${count - 1}) AS n`
  const h = (k: number) => `((n * ${2_654_435_761 % 1_000_003 + k * 7919} + ${k * 104_729}) % 1000003)`
  const pick = (k: number, items: string[]) => `(CASE ${h(k)} % ${items.length} ${items.map((v, i) => `WHEN ${i} THEN ${v === 'NULL' ? 'NULL' : `'${v}'`}`).join(' ')} END)`
  const bot = `(CASE WHEN ${h(1)} % 100 < 8 THEN 1 ELSE 0 END)`
  // A visitor of about one in three clicks is new; the others come back.
  const visitor = `(${h(2)} % ${Math.max(10, Math.floor(count / 3))})`
  const text = (e: string) => (dialect === 'sqlite' ? `CAST(${e} AS TEXT)` : `(${e})::text`)
  return `
    SELECT ${linkOf} AS link_id, ${START} + (n * ${Math.floor((30 * DAY) / count)}) AS ts, 'ip' || ${text(visitor)} AS ip_hash, 'pre' AS ip_prefix_hash,
      'Mozilla/5.0' AS user_agent, ${pick(3, ['NULL', 'news.example', 't.co', 'mail.example', 'www.google.com', 'l.facebook.com'])} AS referrer_host, 'GET' AS method,
      ${bot} AS is_bot, CASE WHEN ${bot} = 1 THEN 'user_agent' END AS bot_reason,
      CASE WHEN ${bot} = 0 THEN 'b' || ${text(visitor)} END AS browser_id, CASE WHEN ${bot} = 0 THEN 'd' || ${text(`${visitor} / 2`)} END AS device_id,
      CASE WHEN ${bot} = 0 THEN 60 END AS confidence, 'cookie' AS identity_source, 2 AS fingerprint_version,
      CASE WHEN ${bot} = 0 THEN ${pick(4, ['IT', 'DE', 'FR', 'US', 'GB', 'ES', 'NL', 'BR'])} END AS country,
      CASE WHEN ${bot} = 0 THEN ${pick(5, ['Chrome', 'Mobile Safari', 'Firefox', 'Edge', 'Samsung Internet'])} END AS browser_name,
      CASE WHEN ${bot} = 0 THEN ${pick(6, ['Windows', 'iOS', 'Android', 'macOS', 'Linux'])} END AS os_name,
      CASE WHEN ${bot} = 0 THEN ${pick(7, ['desktop', 'mobile', 'tablet'])} END AS device_type,
      CASE WHEN ${bot} = 0 THEN ${pick(8, ['Rome', 'Milan', 'Berlin', 'Paris', 'London', 'Madrid', 'Amsterdam', 'Boston', 'Naples', 'Turin', 'Munich', 'Lyon'])} END AS city,
      CASE WHEN ${bot} = 0 THEN ${pick(9, ['it', 'de', 'fr', 'en', 'es', 'nl', 'pt'])} END AS language,
      CASE WHEN ${bot} = 0 THEN (CASE WHEN ${h(10)} % 10 = 0 THEN 'inference' ELSE 'database' END) END AS geo_source,
      CASE WHEN ${bot} = 0 THEN 80 END AS geo_confidence
    FROM (${numbers}) numbers`
}

const COLUMNS = 'link_id, ts, ip_hash, ip_prefix_hash, user_agent, referrer_host, method, is_bot, bot_reason, browser_id, device_id, confidence, identity_source, fingerprint_version, country, browser_name, os_name, device_type, city, language, geo_source, geo_confidence'

async function median(run: () => Promise<unknown>): Promise<number> {
  await run()
  const times: number[] = []
  for (let i = 0; i < 7; i++) {
    const t = performance.now()
    await run()
    times.push(performance.now() - t)
  }
  return times.sort((a, b) => a - b)[3]!
}

async function measure(dialect: DialectName): Promise<string[][]> {
  const { url, drop } = await createTestDatabase(dialect)
  const repos: Repositories = openRepositories(url)
  // A connection of the bench's own for the bulk inserts: no per-row round trip.
  const raw = new Kysely<unknown>({ dialect: dialectFromUrl(url).createKyselyDialect() })
  try {
    await repos.migrateUp()
    const owner = (await repos.users.createUser({ email: 'bench@example.com', passwordHash: 'x', isAdmin: true, createdAt: 1 })).id
    const other = (await repos.users.createUser({ email: 'many@example.com', passwordHash: 'x', isAdmin: false, createdAt: 1 })).id
    const newLink = (slug: string, userId: number) => repos.links.createLink({ slug, url: 'https://example.org/', userId, createdAt: START, updatedAt: START, expiresAt: null, maxClicks: null, redirectStatus: 302, tags: [] })
    const big = await newLink('big', owner)
    const first = await newLink('many-0', other)
    for (let i = 1; i < LINKS; i++) await newLink(`many-${i}`, other)
    let t = performance.now()
    await sql.raw(`INSERT INTO clicks (${COLUMNS}) ${clickSelect(dialect, CLICKS, String(big.id))}`).execute(raw)
    // Zipf-like: link i takes a share of about 1 / (i + 1).
    const zipf = dialect === 'sqlite'
      ? `${first.id} + CAST(${LINKS} * ((n % 1000003) / 1000003.0) * ((n % 1000003) / 1000003.0) * ((n % 1000003) / 1000003.0) AS INTEGER)`
      : `${first.id} + FLOOR(${LINKS} * POWER((n % 1000003) / 1000003.0, 3))::bigint`
    await sql.raw(`INSERT INTO clicks (${COLUMNS}) ${clickSelect(dialect, CLICKS, zipf)}`).execute(raw)
    const built = performance.now() - t
    t = performance.now()
    await repos.analytics.rebuildRollups()
    const rolled = performance.now() - t
    if (dialect === 'postgres') await sql`ANALYZE`.execute(raw)
    const range = { from: START + 7 * DAY + 1_234_567, to: END - 5_555 }
    const rows: string[][] = []
    const row = async (what: string, target: number, run: () => Promise<unknown>) => {
      const ms = await median(run)
      rows.push([dialect, what, ms.toFixed(1), `≤ ${target}`, ms <= target ? 'yes' : 'NO'])
    }
    await row(`stats, one link of ${CLICKS} clicks`, 50, () => repos.analytics.linkStats(big.id, {}))
    await row('stats, that link, a 23-day range cut mid-hour', 50, () => repos.analytics.linkStats(big.id, range))
    await row('link analytics (day series + totals + breakdowns), 23 days', 200, () => Promise.all([
      repos.analytics.timeSeries(big.id, range, DAY), repos.analytics.linkStats(big.id, range), repos.analytics.breakdowns({ links: [big.id] }, range),
    ]))
    await row('link analytics, hourly series, all time', 200, () => Promise.all([
      repos.analytics.timeSeries(big.id, { from: START, to: END }, 3_600_000), repos.analytics.linkStats(big.id, { from: START, to: END }), repos.analytics.breakdowns({ links: [big.id] }, { from: START, to: END }),
    ]))
    await row(`account analytics, ${LINKS} links, ${CLICKS} clicks, 23 days`, 300, () => Promise.all([
      repos.analytics.totals({ user: other }, range), repos.analytics.series({ user: other }, range, DAY), repos.analytics.breakdowns({ user: other }, range), repos.analytics.topLinks({ user: other }, range, 10),
    ]))
    await row('link list with stats, a page of 50 of those links', 100, async () => {
      const page = await repos.links.listLinks({ userId: other, limit: 50 })
      return repos.analytics.linkStatsOf(page.map((l) => l.id), {})
    })
    console.error(`${dialect}: ${2 * CLICKS} clicks inserted in ${(built / 1000).toFixed(1)} s, flags and rollups built in ${(rolled / 1000).toFixed(1)} s`)
    return rows
  } finally {
    await raw.destroy()
    await repos.close()
    await drop()
  }
}


console.log('| database | what | median ms | target | met |\n|---|---|---|---|---|')
for (const dialect of values.dialects!.split(',')) for (const r of await measure(dialect as DialectName)) console.log(`| ${r.join(' | ')} |`)
