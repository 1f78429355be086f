/**
 * Restart to ready with and without the identity snapshot, on SQLite and PostgreSQL:
 *   npx tsx bench/restart.ts [--clicks 1000000] [--links 1] [--dialects sqlite,postgres] [--max-contexts 500000]
 *   npx tsx bench/restart.ts --clicks 10000000 --links 10000      (the 10 M case; building it takes a while)
 *
 * 1. Builds a database with bulk SQL (no HTTP, no engine): `--clicks` human clicks on
 *    `--links` links, all within the last 3 days (the full load replays every one of those:
 *    its worst case), from a third as many storage contexts in device pairs (a merge each,
 *    with its evidence), as the click writer stores them (clicks, enhanced_fingerprints,
 *    fingerprint_correlations with edges).
 * 2. Spawns the server (src/cli/run.ts serve) three times and times each from spawn to the
 *    first 200 of /healthz/ready; reads its resident memory (VmRSS) and CPU time
 *    (/proc/<pid>/stat, user + system: the figure other load on the machine does not
 *    inflate) at that moment:
 *    - no snapshot yet: the full load; a SIGTERM then writes the shutdown snapshot (timed);
 *    - from that snapshot, no click after it;
 *    - from that snapshot after 5 % more clicks were added behind it (the tail replayed).
 * 3. In process: the event-loop block of writing a snapshot of a state of `--max-contexts`
 *    contexts (the part of the copy taken at once, and the longest slice or encoded part
 *    after it), its size, and the time to decode and restore it; beside them, the time to
 *    allocate a million small objects in the same process, as a yardstick of the machine's
 *    speed at that moment (figures in ms vary with other load; their ratio to it less).
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { once } from 'node:events'
import { Kysely, sql } from 'kysely'
import { parseArgs } from 'node:util'
import { MemoryIdentityState } from '../src/identity/memory-identity-state.js'
import { decodeSnapshot, encodeSnapshot, SNAPSHOT_FORMAT } from '../src/identity/snapshot/snapshot-format.js'
import { FINGERPRINT_VERSION } from '../src/identity/fingerprints.js'
import { dialectFromUrl, openRepositories } from '../src/storage/open-repositories.js'
import type { DialectName } from '../src/storage/storage.js'
import { createTestDatabase } from '../test/helpers/test-databases.js'

const { values } = parseArgs({ options: {
  clicks: { type: 'string', default: '1000000' }, links: { type: 'string', default: '1' }, dialects: { type: 'string', default: 'sqlite,postgres' },
  'max-contexts': { type: 'string', default: '500000' }, 'skip-block': { type: 'boolean', default: false },
} })
const CLICKS = Number(values.clicks)
const LINKS = Number(values.links)
const MAX_CONTEXTS = Number(values['max-contexts'])
const CONTEXTS = Math.ceil(CLICKS / 3)
const DAY = 86_400_000
const END = Math.floor(Date.now() / DAY) * DAY - DAY
const START = END - 3 * DAY
const CLK_TCK = 100

/** Clicks [from, from + count) as SQL rows over a row number `n`: each column a cheap function of it, the same on both databases. */
function clickRows(dialect: DialectName, from: number, count: number, firstLink: number, span: { start: number; end: number }): string {
  const numbers = dialect === 'sqlite'
    ? `WITH RECURSIVE g(n) AS (SELECT ${from} UNION ALL SELECT n + 1 FROM g WHERE n + 1 < ${from + count}) SELECT n FROM g`
    : `SELECT n::bigint AS n FROM generate_series(${from}, ${from + count - 1}) AS n`
  const text = (e: string) => (dialect === 'sqlite' ? `CAST(${e} AS TEXT)` : `(${e})::text`)
  const int = (e: string) => (dialect === 'sqlite' ? `CAST(${e} AS INTEGER)` : `FLOOR(${e})::bigint`)
  const ctx = `((n * 2654435761) % ${CONTEXTS})`
  const pair = `(${ctx} - ${ctx} % 2)`
  return `
    SELECT ${firstLink} + n % ${LINKS} AS link_id, ${span.start} + ${int(`(n - ${from}) * ${(span.end - span.start) / count}`)} AS ts,
      'ip' || ${text(`${ctx} / 2`)} AS ip_hash, 'pre' || ${text(`${ctx} / 64`)} AS ip_prefix_hash,
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36' AS user_agent, 'GET' AS method, 0 AS is_bot,
      'c' || ${text(ctx)} AS browser_id, 'c' || ${text(pair)} AS device_id, 60 AS confidence, 'cookie' AS identity_source, ${FINGERPRINT_VERSION} AS fingerprint_version,
      'c' || ${text(ctx)} AS fingerprint_id, 's' || ${text(ctx)} AS session_hash, 'dfp' || ${text(pair)} AS device_hash, 'en' AS language
    FROM (${numbers}) numbers`
}
const CLICK_COLUMNS = 'link_id, ts, ip_hash, ip_prefix_hash, user_agent, method, is_bot, browser_id, device_id, confidence, identity_source, fingerprint_version, fingerprint_id, session_hash, device_hash, language'

/** The contexts the clicks name, in device pairs: the odd one merged into the even one, with the evidence both ends store. */
function contextRows(dialect: DialectName): { fingerprints: string; correlations: string } {
  const numbers = dialect === 'sqlite'
    ? `WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n + 1 < ${CONTEXTS}) SELECT n FROM g`
    : `SELECT n::bigint AS n FROM generate_series(0, ${CONTEXTS - 1}) AS n`
  const text = (e: string) => (dialect === 'sqlite' ? `CAST(${e} AS TEXT)` : `(${e})::text`)
  const pair = '(n - n % 2)'
  return {
    fingerprints: `INSERT INTO enhanced_fingerprints (id, device_fingerprint, browser_fingerprint, session_fingerprint, primary_fingerprint, sdk_device_hash, sdk_browser_hash, browser_name, os_name, device_type, confidence, correlation_factors, fingerprint_version, created_at, last_seen)
      SELECT 'c' || ${text('n')}, 'dfp' || ${text(pair)}, 'bfp' || ${text('n')}, 's' || ${text('n')}, 'p' || ${text('n')}, NULL, NULL, 'Chrome', 'Android', 'mobile', 60, '[]', ${FINGERPRINT_VERSION}, ${START} + n, ${END}
      FROM (${numbers}) numbers`,
    correlations: `INSERT INTO fingerprint_correlations (fingerprint_id, browser_cluster_id, device_cluster_id, correlation_type, confidence_score, updated_at, edges)
      SELECT 'c' || ${text('n')}, 'c' || ${text('n')}, 'c' || ${text(pair)}, CASE WHEN n % 2 = 1 THEN 'partial' END, 60, ${END},
        CASE WHEN n % 2 = 1 THEN '[["c' || ${text('n - 1')} || '","device",null]]' WHEN n + 1 < ${CONTEXTS} THEN '[["c' || ${text('n + 1')} || '","device",null]]' END
      FROM (${numbers}) numbers`,
  }
}

function procStat(pid: number): { rssMb: number; cpuS: number } {
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { rssMb: Number(rss?.[1] ?? 0) / 1024, cpuS: (Number(fields[11]) + Number(fields[12])) / CLK_TCK }
}

/** A server start, timed to its first ready answer; then a graceful stop, timed (it writes the shutdown snapshot). */
async function start(url: string, env: NodeJS.ProcessEnv): Promise<{ readyS: number; rssMb: number; cpuS: number; loadLine: string; stopS: number }> {
  const started = performance.now()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'serve'], {
    env: { ...process.env, DATABASE_URL: url, PORT: '0', SECRET: 'bench-restart-secret-0123456789abcdef', GEOIP_DB: 'off', LOG_LEVEL: 'info', IDENTITY_MAX_CONTEXTS: String(MAX_CONTEXTS), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const exited = once(child, 'exit')
  let address: string | undefined
  while (!address) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited:\n${output}`)
    address = /listening on (http:\/\/[\d.:]+)/.exec(output)?.[1]
    if (!address) await new Promise((r) => setTimeout(r, 20))
  }
  for (;;) {
    const ok = await fetch(`${address}/healthz/ready`).then((r) => r.status === 200, () => false)
    if (ok) break
    await new Promise((r) => setTimeout(r, 20))
  }
  const readyS = (performance.now() - started) / 1000
  const { rssMb, cpuS } = procStat(child.pid!)
  const loadLine = output.split('\n').find((l) => l.includes('identity state:')) ?? '(no identity state line: loaded from the database without a snapshot store)'
  const stopping = performance.now()
  child.kill('SIGTERM')
  await exited
  return { readyS, rssMb, cpuS, loadLine: loadLine.slice(0, 300), stopS: (performance.now() - stopping) / 1000 }
}

async function measure(dialect: DialectName): Promise<void> {
  const { url, drop } = await createTestDatabase(dialect)
  const repos = openRepositories(url)
  const raw = new Kysely<unknown>({ dialect: dialectFromUrl(url).createKyselyDialect() })
  try {
    await repos.migrateUp()
    const owner = (await repos.users.createUser({ email: 'bench@example.com', passwordHash: 'x', isAdmin: true, createdAt: 1 })).id
    let firstLink = 0
    for (let i = 0; i < LINKS; i++) {
      const link = await repos.links.createLink({ slug: `r${i}`, url: 'https://example.org/', userId: owner, createdAt: START, updatedAt: START, expiresAt: null, maxClicks: null, redirectStatus: 302, tags: [] })
      if (i === 0) firstLink = link.id
    }
    let t = performance.now()
    const ctx = contextRows(dialect)
    await sql.raw(ctx.fingerprints).execute(raw)
    await sql.raw(ctx.correlations).execute(raw)
    // In slices of a million: one huge statement holds SQLite's whole result in memory.
    for (let from = 0; from < CLICKS; from += 1_000_000) {
      const count = Math.min(1_000_000, CLICKS - from)
      await sql.raw(`INSERT INTO clicks (${CLICK_COLUMNS}) ${clickRows(dialect, from, count, firstLink, { start: START + Math.floor((3 * DAY * from) / CLICKS), end: START + Math.floor((3 * DAY * (from + count)) / CLICKS) })}`).execute(raw)
    }
    if (dialect === 'postgres') await sql`ANALYZE`.execute(raw)
    console.error(`${dialect}: ${CLICKS} clicks from ${CONTEXTS} contexts on ${LINKS} link(s) built in ${((performance.now() - t) / 1000).toFixed(1)} s`)
    const row = (what: string, r: Awaited<ReturnType<typeof start>>) =>
      console.log(`| ${dialect} | ${what} | ${r.readyS.toFixed(1)} | ${r.cpuS.toFixed(1)} | ${Math.round(r.rssMb)} | ${r.stopS.toFixed(1)} |\n|  |   ↳ ${r.loadLine.replace(/\|/g, '/')} | | | | |`)

    const full = await start(url, {})
    row('no snapshot: full load (then the shutdown snapshot is written)', full)
    const fromSnapshot = await start(url, {})
    row('from the snapshot, no click after it', fromSnapshot)
    // 5 % more clicks behind the snapshot, as a process that died before its shutdown snapshot leaves them.
    await sql.raw(`INSERT INTO clicks (${CLICK_COLUMNS}) ${clickRows(dialect, CLICKS, Math.ceil(CLICKS / 20), firstLink, { start: END, end: END + DAY / 4 })}`).execute(raw)
    const snapshotPlusTail = await start(url, {})
    row(`from the snapshot + ${Math.ceil(CLICKS / 20)} clicks after it`, snapshotPlusTail)
  } finally {
    await raw.destroy()
    await repos.close()
    await drop()
  }
}

/** The event-loop block of a snapshot of `contexts` contexts: the synchronous copy and the longest part, its size, and reading it back. */
async function block(contexts: number): Promise<void> {
  const state = new MemoryIdentityState({ maxEntities: contexts })
  for (let n = 0; n < contexts; n++) {
    const key = `ck${n.toString(36).padStart(20, '0')}`
    state.put({
      key, firstSeen: START + n, lastSeen: START + n * 3, deviceHash: `d${(n >> 1).toString(36).padStart(42, 'x')}`, browserHash: `b${n.toString(36).padStart(42, 'x')}`,
      primaryHash: `p${n.toString(36).padStart(42, 'x')}`, sessionHash: `s${n.toString(36).padStart(42, 'x')}`, sdkDevice: n % 3 === 0 ? `sdk${(n >> 1).toString(36)}` : null, sdkBrowser: null,
      browserName: 'Chrome', osName: 'Android', deviceType: 'mobile', language: 'en', model: null, ipHash: `ip${(n >> 1).toString(36).padStart(20, '0')}`, prefixHash: `pre${(n >> 6).toString(36).padStart(20, '0')}`,
      confidence: 60, correlationType: n % 2 ? 'partial' : null, factors: n % 2 ? ['same_address', 'level:device'] : [], linkedFrom: null,
      geo: { country: 'IT', city: 'Rome', source: 'database', confidence: 80 } as never, geoSince: START, addresses: [[`ip${(n >> 1).toString(36)}`, START + n * 3]],
    })
    if (n % 2 === 1) state.union('device', key, `ck${(n - 1).toString(36).padStart(20, '0')}`)
    state.markClicked('browser', key, 1 + (n % 7))
  }
  // The one step that holds the event loop at once (the call, up to its first pause), then the longest slice.
  let t = performance.now()
  let copyMs = -1
  let longestSlice = 0
  let last = t
  const content = await state.exportGradually(async () => {
    const now = performance.now()
    if (copyMs < 0) copyMs = now - t
    else longestSlice = Math.max(longestSlice, now - last)
    await new Promise((r) => setImmediate(r))
    last = performance.now()
  })
  longestSlice = Math.max(longestSlice, performance.now() - last)
  // Calibration in the same process: a million small objects allocated, as a yardstick for this machine's speed at this moment.
  t = performance.now()
  const yardstick: object[] = []
  for (let i = 0; i < 1_000_000; i++) yardstick.push({ i })
  const yardstickMs = performance.now() - t
  const meta = { format: SNAPSHOT_FORMAT, fingerprintVersion: FINGERPRINT_VERSION, upToClickId: 1, upToClickTs: 1, writtenAt: 1, entities: contexts }
  const parts: Buffer[] = []
  let longest = 0
  const generator = encodeSnapshot(meta, content)
  const encodeStarted = performance.now()
  for (;;) {
    // Each next() runs synchronously up to its part (the yields to the event loop happen between them).
    t = performance.now()
    const step = generator.next()
    const syncMs = performance.now() - t
    const r = await step
    longest = Math.max(longest, syncMs, longestSlice)
    if (r.done) break
    parts.push(r.value)
  }
  const encodeMs = performance.now() - encodeStarted
  const bytes = parts.reduce((n, p) => n + p.length, 0)
  t = performance.now()
  const decoded = decodeSnapshot(parts)
  const decodeMs = performance.now() - t
  t = performance.now()
  new MemoryIdentityState({ maxEntities: contexts }).restoreState(decoded.content)
  const restoreMs = performance.now() - t
  console.log(`| ${contexts} contexts | ${copyMs.toFixed(0)} | ${longest.toFixed(1)} | ${(encodeMs / 1000).toFixed(1)} | ${(bytes / 1e6).toFixed(0)} | ${decodeMs.toFixed(0)} | ${restoreMs.toFixed(0)} | ${yardstickMs.toFixed(0)} |`)
}

const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
console.log(`load average at start: ${load}`)
if (!values['skip-block']) {
  console.log('\n| snapshot of | copy taken at once, ms (event-loop block) | longest slice or part after it, ms (block) | encode s (wall, event loop free between parts) | MB | decode ms | restore ms | yardstick: 1 M objects, ms |\n|---|---|---|---|---|---|---|---|')
  await block(MAX_CONTEXTS)
}
console.log('\n| database | start | ready s (wall) | CPU s to ready | RSS MB at ready | SIGTERM to exit s |\n|---|---|---|---|---|---|')
for (const dialect of values.dialects!.split(',').filter((d) => d !== '')) await measure(dialect as DialectName)
console.log(`load average at end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
