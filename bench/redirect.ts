/**
 * npm run bench:redirect [-- --duration 5 --rounds 3 --connections 50 --dialects sqlite,postgres --visitors new,returning,repeat --cpu-prof-dir DIR]
 *
 * Visitors: `new` sends no cookie, so every request is a first visit (a new device_fp,
 * a new identity context and its rows): the worst case, a viral link. `returning` sends
 * the 2 000 cookies the service issued before the run, each connection cycling through
 * them (prebuilt requests, so the load generator is not slowed): people coming back.
 * `repeat` sends one cookie on every connection: one browser clicking again and again.
 *
 * The headline is the work a redirect costs: the server process's own CPU time (all its
 * threads, user + system, read from /proc) per request, the real service (built, click
 * recording on) against a bare node:http 302 server, alternating rounds in the same run.
 * CPU time does not depend on how the load generator and whatever else runs share the
 * cores, as throughput and latency do (printed after it for what they are worth); on a
 * heavily loaded machine (load average well above the cores) contention for caches still
 * inflates it, the bare server's by a different amount than the service's: give the load.
 * Then the service's resident memory growth per identity context created during the run
 * (RSS after the last round minus before the warm-up, over the contexts the run created:
 * the `new` case; a short run's figure includes garbage not yet collected, bench/soak.ts
 * measures it over a long one), and the check that every answered redirect became a click.
 *
 * `--cpu-prof-dir DIR`: the service runs under `node --cpu-prof`, one .cpuprofile a thread
 * in DIR/<dialect>-<visitors>, to read in Chrome DevTools or VS Code (the profiler's own cost inflates
 * that run's CPU figures).
 */
import { readFileSync } from 'node:fs'
import { get } from 'node:http'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { openRepositories } from '../src/storage/open-repositories.js'
import type { DialectName } from '../src/storage/storage.js'
import { createTestDatabase } from '../test/helpers/test-databases.js'
import { spawnServer } from './lib/spawn-server.js'

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    dialects: { type: 'string', default: 'sqlite,postgres' },
    visitors: { type: 'string', default: 'new,returning' },
    'cpu-prof-dir': { type: 'string' },
  },
})
const duration = Number(values.duration)
const rounds = Number(values.rounds)
const connections = Number(values.connections)
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

interface Run { rps: number; p50: number; p99: number; answered: number; errors: number; cpuUs: number; mainUs: number }

/**
 * CPU time (user + system) the server process has used, in µs, all threads and its main
 * thread alone (the one that answers requests; the rest is the SQLite writer's thread and
 * V8's and libuv's helpers); NaN off Linux. Per request it is the figure a busy machine
 * does not distort: throughput on these shared 2-core machines moves with whatever else
 * runs, the work a redirect costs does not. The main thread's share bounds what one
 * process can answer: at most 1 s of it a second.
 */
function cpuMicros(pid: number | undefined): { all: number; main: number } {
  const read = (path: string) => {
    const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100 // clock ticks (USER_HZ = 100 on Linux)
  }
  try {
    return { all: read(`/proc/${pid}/stat`), main: read(`/proc/${pid}/task/${pid}/stat`) }
  } catch {
    return { all: Number.NaN, main: Number.NaN }
  }
}

/** The process's resident set in bytes (VmRSS), NaN off Linux. */
function rssBytes(pid: number | undefined): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb === undefined ? Number.NaN : Number(kb) * 1024
  } catch {
    return Number.NaN
  }
}

/** The service's own counters: redirects answered (bots included) and identity contexts created by redirects (a new cookie issued). */
async function serviceCounts(url: string): Promise<{ answered: number; contexts: number }> {
  const metrics = await (await fetch(`${url}/metrics`)).text()
  const sum = (pattern: RegExp) => [...metrics.matchAll(pattern)].reduce((n, m) => n + Number(m[1]), 0)
  return {
    answered: sum(/^linkprint_redirects_total\{outcome="(?:redirect|bot)"\} (\d+)/gm),
    // server_generated: a new cookie; client_header: a new cookie with the SDK's headers. A verified cookie ('cookie') is a known context.
    contexts: sum(/^linkprint_identity_source_total\{source="(?:server_generated|client_header)",path="redirect"\} (\d+)/gm),
  }
}

const RETURNING = 2_000

/** Cookies the service set on first visits, as browsers would send them back. */
async function issueCookies(url: string, count: number): Promise<string[]> {
  const cookies: string[] = []
  // node:http, not fetch: fetch adds Sec-Fetch-Mode without Client Hints, which the bot detector rightly calls a script.
  for (let i = 0; i < count; i++) {
    const setCookie = await new Promise<string[] | undefined>((resolve, reject) =>
      get(url, { headers: { 'user-agent': UA, 'accept-language': 'it-IT,it;q=0.9' } }, (response) => {
        response.resume()
        resolve(response.headers['set-cookie'])
      }).on('error', reject),
    )
    const cookie = setCookie?.[0]?.split(';')[0]
    if (!cookie) throw new Error('no cookie issued')
    cookies.push(cookie)
  }
  return cookies
}

async function load(url: string, pid: number | undefined, cookies: readonly string[] | null = null): Promise<Run> {
  const before = cpuMicros(pid)
  const result = await autocannon({
    url, connections, duration, headers: { 'user-agent': UA, 'accept-language': 'it-IT,it;q=0.9' },
    ...(cookies && { requests: cookies.map((cookie) => ({ headers: { 'user-agent': UA, 'accept-language': 'it-IT,it;q=0.9', cookie } })) }),
  })
  // The writer finishes the last batch after the last answer: its work belongs to these requests.
  await new Promise((resolve) => setTimeout(resolve, 200))
  const answered = Object.entries(result.statusCodeStats ?? {}).filter(([code]) => code === '302').reduce((n, [, s]) => n + (s.count ?? 0), 0)
  const after = cpuMicros(pid)
  const requests = Math.max(1, result.requests.total)
  return {
    rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, answered, errors: result.errors + result.timeouts + result.non2xx - answered,
    cpuUs: (after.all - before.all) / requests, mainUs: (after.main - before.main) / requests,
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? NaN
}

// The machine's load beside the figures: CPU per redirect too is inflated on a machine busy well beyond its cores.
const loadAtStart = loadavg()
const bare = await spawnServer(['--import', 'tsx', 'bench/lib/bare-302-server.ts'])
const headline: string[][] = []
const details: string[][] = []
let failed = false
try {
  for (const dialect of values.dialects!.split(',')) {
    for (const visitors of values.visitors!.split(',')) {
      if (visitors !== 'new' && visitors !== 'returning' && visitors !== 'repeat') throw new Error(`--visitors: new, returning or repeat, not ${visitors}`)
      const db = await createTestDatabase(dialect as DialectName)
      const profile = values['cpu-prof-dir'] ? ['--cpu-prof', '--cpu-prof-dir', `${values['cpu-prof-dir']}/${dialect}-${visitors}`] : []
      const service = await spawnServer([...profile, 'bin/linkprint.js', 'serve'], { DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'warn' })
      const key = /API key:\s+(\S+)/.exec(service.output())?.[1]
      const created = await fetch(`${service.url}/api/links`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://example.org/', slug: 'bench' }) })
      if (created.status !== 201) throw new Error(`could not create the link: ${await created.text()}`)
      const cookies = visitors === 'new' ? null : await issueCookies(`${service.url}/bench`, visitors === 'repeat' ? 1 : RETURNING)
      const startCounts = await serviceCounts(service.url)
      const rssBefore = rssBytes(service.child.pid)
      await load(`${service.url}/bench`, service.child.pid, cookies) // warm-up
      const bareRuns: Run[] = []
      const serviceRuns: Run[] = []
      for (let round = 0; round < rounds; round++) {
        bareRuns.push(await load(`${bare.url}/bench`, bare.child.pid, cookies))
        serviceRuns.push(await load(`${service.url}/bench`, service.child.pid, cookies))
        process.stderr.write(`  ${dialect} ${visitors} round ${round + 1}/${rounds}: cpu µs/redirect bare ${bareRuns.at(-1)!.cpuUs.toFixed(1)}, service ${serviceRuns.at(-1)!.cpuUs.toFixed(1)}\n`)
      }
      const rssAfter = rssBytes(service.child.pid)
      // The server's own count: autocannon does not count the requests still in flight when it stops.
      const endCounts = await serviceCounts(service.url)
      const exit = await service.stop()
      const storage = openRepositories(db.url)
      const clicks = await storage.clicks.countClicks()
      await storage.close()
      await db.drop()
      const summary = (runs: Run[]) => ({ rps: median(runs.map((r) => r.rps)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), cpu: median(runs.map((r) => r.cpuUs)), main: median(runs.map((r) => r.mainUs)) })
      const b = summary(bareRuns)
      const s = summary(serviceRuns)
      const ratio = s.cpu / b.cpu
      const target = visitors === 'new' ? 3 : 2
      const contexts = endCounts.contexts - startCounts.contexts
      // Fewer contexts than this and the figure is the heap's noise, not the contexts' size.
      const perContext = contexts >= 1_000 ? `${((rssAfter - rssBefore) / contexts / 1024).toFixed(2)} KB (${contexts} contexts)` : `– (${contexts} contexts)`
      headline.push([
        dialect, visitors, b.cpu.toFixed(1), s.cpu.toFixed(1), `${ratio.toFixed(1)}×`, `≤ ${target}× ${ratio <= target ? 'met' : 'NOT met'}`,
        `${s.main.toFixed(1)}/${(s.cpu - s.main).toFixed(1)}`, b.main.toFixed(1), perContext,
      ])
      const answered = endCounts.answered
      details.push([
        dialect, visitors, `${Math.round(b.rps)}`, `${b.p50}/${b.p99}`, `${Math.round(s.rps)}`, `${s.p50}/${s.p99}`, (s.rps / b.rps).toFixed(2),
        `${answered}`, `${clicks}`, clicks === answered ? 'yes' : 'NO', `${exit}`,
      ])
      if (clicks !== answered) failed = true
    }
  }
} finally {
  await bare.stop()
}

function print(headers: string[], rows: string[][]) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ')
  console.log(line(headers))
  for (const row of rows) console.log(line(row))
}

console.log(`\nredirect benchmark: ${connections} connections, ${rounds} alternating rounds of ${duration}s each (medians); load average (1, 5, 15 min) ${loadAtStart.map((l) => l.toFixed(2)).join(', ')} at the start, ${loadavg().map((l) => l.toFixed(2)).join(', ')} at the end`)
console.log("\nCPU per redirect: the server process's own CPU time (all threads, user + system) per request; unlike throughput it does not depend on how the load generator shares the cores")
print(['db', 'visitors', 'bare µs', 'service µs', 'service/bare', 'target', 'service main/other threads µs', 'bare main µs', 'RSS growth per new context'], headline)
console.log('main: the thread that answers requests (it bounds what one process answers: 1 s of it a second); other: the SQLite writer, V8 and libuv helpers. PostgreSQL\'s own processes are not counted.')
console.log('\nThroughput and latency (wall clock: these move with whatever else runs on the machine)')
print(['db', 'visitors', 'bare req/s', 'bare p50/p99 ms', 'service req/s', 'service p50/p99 ms', 'req/s ratio', 'answered', 'clicks stored', 'equal', 'exit'], details)
console.log('check: every answered redirect stored as a click')
if (failed) process.exitCode = 1
