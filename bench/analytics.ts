/**
 * Analytics latency at scale, on SQLite and PostgreSQL:
 *   npx tsx bench/analytics.ts [--link-clicks 1000000] [--clicks 1000000] [--links 1000] [--dialects sqlite,postgres] [--keep [--rebuild]]
 *   (the issue's sizes: the defaults, and --clicks 10000000 --links 10000)
 *
 * Builds two data sets with bulk SQL (no HTTP): `--link-clicks` on one link, and `--clicks`
 * spread over `--links` links of one account (a few links take most clicks, as on a real
 * instance), over 30 days, with realistic breakdown values, 8 % bots and visitors who come
 * back; the unique flags and rollups are then built by the same rebuild migration 009
 * runs. It then times what each route does server-side (the repositories' queries the
 * route awaits, not HTTP), 7 runs after one warm-up, and prints medians beside the
 * targets: stats ≤ 50 ms, link analytics ≤ 200 ms, account analytics ≤ 300 ms, a page of
 * the link list with stats ≤ 100 ms.
 *
 * Wall-clock time grows with the machine's load; beside it the bench prints the CPU time
 * the answer cost (this process, plus the PostgreSQL backends that served it, read from
 * /proc), which does not. `--keep` keeps each data set (a file in the temp directory, a
 * database `linkprint_bench_…`) and reuses it on the next run with the same sizes: only
 * the migrations not yet run (and, with `--rebuild`, the rollups rebuilt and timed).
 */
import { Kysely, sql } from 'kysely'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { dialectFromUrl, openRepositories } from '../src/storage/open-repositories.js'
import type { Repositories } from '../src/storage/repositories.js'
import type { DialectName } from '../src/storage/storage.js'
import { createTestDatabase, POSTGRES_ADMIN_URL } from '../test/helpers/test-databases.js'
import { clickSelect, COLUMNS, DAY } from './lib/analytics-data.js'

const { values } = parseArgs({
  options: {
    'link-clicks': { type: 'string', default: '1000000' }, clicks: { type: 'string', default: '1000000' }, links: { type: 'string', default: '1000' },
    dialects: { type: 'string', default: 'sqlite,postgres' }, keep: { type: 'boolean', default: false }, rebuild: { type: 'boolean', default: false },
  },
})
const LINK_CLICKS = Number(values['link-clicks'])
const CLICKS = Number(values.clicks)
const LINKS = Number(values.links)
/** Fixed, so a kept data set is read over the same ranges on every run. */
const END = Date.UTC(2026, 10, 1)
const START = END - 30 * DAY
const BUILT = 'bench_analytics_built'
const COUNTED = 'bench_analytics_click_count'

/** Where a kept data set lives; a fresh test database otherwise. */
async function database(dialect: DialectName): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!values.keep) return createTestDatabase(dialect)
  const name = `linkprint_bench_${LINK_CLICKS}_${CLICKS}_${LINKS}`
  if (dialect === 'sqlite') {
    const dir = join(tmpdir(), 'linkprint-analytics-bench')
    mkdirSync(dir, { recursive: true })
    return { url: `sqlite:${join(dir, `${name}.db`)}`, drop: async () => {} }
  }
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
  await admin.connect()
  try {
    const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (rows.length === 0) await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(POSTGRES_ADMIN_URL)
  url.pathname = `/${name}`
  return { url: url.toString(), drop: async () => {} }
}

/** CPU milliseconds of this process, and of each PostgreSQL backend connected to the bench's database by pid (none on SQLite). */
async function cpuMs(raw: Kysely<unknown>, dialect: DialectName): Promise<{ own: number; backends: Map<number, number> }> {
  const own = process.cpuUsage()
  const backends = new Map<number, number>()
  if (dialect === 'postgres') {
    const { rows } = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(raw)
    const tickMs = 1000 / 100
    for (const { pid } of rows) {
      const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : ''
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (fields.length > 12) backends.set(pid, (Number(fields[11]) + Number(fields[12])) * tickMs)
    }
  }
  return { own: (own.user + own.system) / 1000, backends }
}

/** CPU spent between two readings: a backend that appeared in between counts from its start. */
function cpuSpent(before: Awaited<ReturnType<typeof cpuMs>>, after: Awaited<ReturnType<typeof cpuMs>>): number {
  let total = after.own - before.own
  for (const [pid, ms] of after.backends) total += ms - (before.backends.get(pid) ?? 0)
  return total
}

async function build(repos: Repositories, raw: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const owner = (await repos.users.createUser({ email: 'bench@example.com', passwordHash: 'x', isAdmin: true, createdAt: 1 })).id
  const other = (await repos.users.createUser({ email: 'many@example.com', passwordHash: 'x', isAdmin: false, createdAt: 1 })).id
  const newLink = (slug: string, userId: number) => repos.links.createLink({ slug, url: 'https://example.org/', userId, createdAt: START, updatedAt: START, expiresAt: null, maxClicks: null, redirectStatus: 302, tags: [] })
  const big = await newLink('big', owner)
  const first = await newLink('many-0', other)
  for (let i = 1; i < LINKS; i++) await newLink(`many-${i}`, other)
  let t = performance.now()
  await sql.raw(`INSERT INTO clicks (${COLUMNS}) ${clickSelect(dialect, LINK_CLICKS, String(big.id), START)}`).execute(raw)
  // Zipf-like: link i takes a share of about 1 / (i + 1).
  const zipf = dialect === 'sqlite'
    ? `${first.id} + CAST(${LINKS} * ((n % 1000003) / 1000003.0) * ((n % 1000003) / 1000003.0) * ((n % 1000003) / 1000003.0) AS INTEGER)`
    : `${first.id} + FLOOR(${LINKS} * POWER((n % 1000003) / 1000003.0, 3))::bigint`
  await sql.raw(`INSERT INTO clicks (${COLUMNS}) ${clickSelect(dialect, CLICKS, zipf, START)}`).execute(raw)
  console.error(`${dialect}: ${LINK_CLICKS + CLICKS} clicks inserted in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  t = performance.now()
  await repos.analytics.rebuildRollups((step, ms) => console.error(`${dialect}:   rebuild ${step}: ${(ms / 1000).toFixed(1)} s`))
  console.error(`${dialect}: flags and rollups built in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  await repos.settings.setSetting(BUILT, '1')
}

async function measure(dialect: DialectName): Promise<string[][]> {
  const { url, drop } = await database(dialect)
  const repos: Repositories = openRepositories(url)
  // A connection of the bench's own for the bulk inserts: no per-row round trip.
  const raw = new Kysely<unknown>({ dialect: dialectFromUrl(url).createKyselyDialect() })
  try {
    const ran = await repos.migrateUp()
    if ((await repos.settings.getSetting(BUILT)) !== '1') await build(repos, raw, dialect)
    else if (values.rebuild) {
      const t = performance.now()
      await repos.analytics.rebuildRollups((step, ms) => console.error(`${dialect}:   rebuild ${step}: ${(ms / 1000).toFixed(1)} s`))
      console.error(`${dialect}: kept data set's rollups rebuilt in ${((performance.now() - t) / 1000).toFixed(1)} s`)
    }
    if (ran.length > 0) console.error(`${dialect}: migrations run: ${ran.join(', ')}`)
    if ((await repos.settings.getSetting(COUNTED)) !== '1') {
      // What the writers keep in links.click_count (human clicks written), which the top links are walked by.
      await sql`UPDATE links SET click_count = COALESCE((SELECT SUM(r.clicks) FROM click_rollups r WHERE r.link_id = links.id AND r.dimension = ''), 0)`.execute(raw)
      await repos.settings.setSetting(COUNTED, '1')
    }
    if (dialect === 'postgres') await sql`ANALYZE`.execute(raw)
    const big = (await repos.links.findLinkBySlug('big'))!.id
    const other = (await repos.users.findUserByEmail('many@example.com'))!.id
    const range = { from: START + 7 * DAY + 1_234_567, to: END - 5_555 }
    const rows: string[][] = []
    const row = async (what: string, target: number, run: () => Promise<unknown>) => {
      await run()
      const wall: number[] = []
      const cpu: number[] = []
      for (let i = 0; i < 7; i++) {
        const c = await cpuMs(raw, dialect)
        const t = performance.now()
        await run()
        wall.push(performance.now() - t)
        cpu.push(cpuSpent(c, await cpuMs(raw, dialect)))
      }
      const mid = (xs: number[]) => xs.sort((a, b) => a - b)[3]!
      const [w, c] = [mid(wall), mid(cpu)]
      rows.push([dialect, what, w.toFixed(1), c.toFixed(0), `≤ ${target}`, w <= target ? 'yes' : c <= target ? 'CPU yes' : 'NO', loadavg()[0]!.toFixed(2)])
    }
    await row(`stats, one link of ${LINK_CLICKS} clicks`, 50, () => repos.analytics.linkStats(big, {}))
    await row('stats, that link, a 23-day range cut mid-hour', 50, () => repos.analytics.linkStats(big, range))
    await row('link analytics (day series + totals + breakdowns), 23 days', 200, () => Promise.all([
      repos.analytics.timeSeries(big, range, DAY), repos.analytics.linkStats(big, range), repos.analytics.breakdowns({ links: [big] }, range),
    ]))
    await row('link analytics, hourly series, all time', 200, () => Promise.all([
      repos.analytics.timeSeries(big, { from: START, to: END }, 3_600_000), repos.analytics.linkStats(big, { from: START, to: END }), repos.analytics.breakdowns({ links: [big] }, { from: START, to: END }),
    ]))
    await row(`account analytics, ${LINKS} links, ${CLICKS} clicks, 23 days`, 300, () => Promise.all([
      repos.analytics.totals({ user: other }, range), repos.analytics.series({ user: other }, range, DAY), repos.analytics.breakdowns({ user: other }, range), repos.analytics.topLinks({ user: other }, range, 10),
    ]))
    await row('link list with stats, a page of 50 of those links', 100, async () => {
      const page = await repos.links.listLinks({ userId: other, limit: 50 })
      return repos.analytics.linkStatsOf(page.map((l) => l.id), {})
    })
    return rows
  } finally {
    await raw.destroy()
    await repos.close()
    await drop()
  }
}

console.log('| database | what | median ms | CPU ms | target | met | load (1 min) |\n|---|---|---|---|---|---|---|')
for (const dialect of values.dialects!.split(',')) for (const r of await measure(dialect as DialectName)) console.log(`| ${r.join(' | ')} |`)
