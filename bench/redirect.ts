/**
 * npm run bench:redirect [-- --duration 5 --rounds 3 --connections 50 --dialects sqlite,postgres --visitors new,returning,repeat]
 *
 * Visitors: `new` sends no cookie, so every request is a first visit (a new device_fp,
 * a new identity context and its rows): the worst case, a viral link. `returning` sends
 * the 2 000 cookies the service issued before the run, each connection cycling through
 * them (prebuilt requests, so the load generator is not slowed): people coming back.
 * `repeat` sends one cookie on every connection: one browser clicking again and again.
 *
 * The real service (built, click recording on) against a bare node:http 302 server, in the
 * same run, alternating rounds so both see the same machine load. Prints throughput,
 * p50/p99 latency and the ratio, the server's CPU time per request, then checks that every
 * answered redirect became a click.
 */
import { readFileSync } from 'node:fs'
import { get } from 'node:http'
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

const bare = await spawnServer(['--import', 'tsx', 'bench/lib/bare-302-server.ts'])
const table: string[][] = []
try {
  for (const dialect of values.dialects!.split(',')) {
    for (const visitors of values.visitors!.split(',')) {
      if (visitors !== 'new' && visitors !== 'returning' && visitors !== 'repeat') throw new Error(`--visitors: new, returning or repeat, not ${visitors}`)
      const db = await createTestDatabase(dialect as DialectName)
      const service = await spawnServer(['bin/linkprint.js', 'serve'], { DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'warn' })
      const key = /API key:\s+(\S+)/.exec(service.output())?.[1]
      const created = await fetch(`${service.url}/api/links`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://example.org/', slug: 'bench' }) })
      if (created.status !== 201) throw new Error(`could not create the link: ${await created.text()}`)
      const cookies = visitors === 'new' ? null : await issueCookies(`${service.url}/bench`, visitors === 'repeat' ? 1 : RETURNING)
      await load(`${service.url}/bench`, service.child.pid, cookies) // warm-up
      const bareRuns: Run[] = []
      const serviceRuns: Run[] = []
      for (let round = 0; round < rounds; round++) {
        bareRuns.push(await load(`${bare.url}/bench`, bare.child.pid, cookies))
        serviceRuns.push(await load(`${service.url}/bench`, service.child.pid, cookies))
        process.stderr.write(`  ${dialect} ${visitors} round ${round + 1}/${rounds}: bare ${Math.round(bareRuns.at(-1)!.rps)} req/s, service ${Math.round(serviceRuns.at(-1)!.rps)} req/s\n`)
      }
      // The server's own count: autocannon does not count the requests still in flight when it stops.
      const metrics = await (await fetch(`${service.url}/metrics`)).text()
      const answered = [...metrics.matchAll(/^linkprint_redirects_total\{outcome="(?:redirect|bot)"\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0)
      const exit = await service.stop()
      const storage = openRepositories(db.url)
      const clicks = await storage.clicks.countClicks()
      await storage.close()
      await db.drop()
      const summary = (runs: Run[]) => ({ rps: median(runs.map((r) => r.rps)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), cpu: median(runs.map((r) => r.cpuUs)), main: median(runs.map((r) => r.mainUs)) })
      const b = summary(bareRuns)
      const s = summary(serviceRuns)
      table.push([
        dialect, visitors, `${Math.round(b.rps)}`, `${b.p50}/${b.p99}`, `${Math.round(s.rps)}`, `${s.p50}/${s.p99}`, (s.rps / b.rps).toFixed(2),
        `${b.cpu.toFixed(1)}/${s.cpu.toFixed(1)}`, (b.cpu / s.cpu).toFixed(2), `${s.main.toFixed(1)}/${(s.cpu - s.main).toFixed(1)}`,
        `${answered}`, `${clicks}`, clicks === answered ? 'yes' : 'NO', `${exit}`,
      ])
    }
  }
} finally {
  await bare.stop()
}

const headers = ['db', 'visitors', 'bare req/s', 'bare p50/p99 ms', 'service req/s', 'service p50/p99 ms', 'ratio', 'cpu µs/req bare/service', 'cpu ratio', 'service cpu main/other', 'answered', 'clicks stored', 'equal', 'exit']
const widths = headers.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)))
const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ')
console.log(`\nredirect benchmark: ${connections} connections, ${rounds} alternating rounds of ${duration}s each (medians)`)
console.log(line(headers))
for (const row of table) console.log(line(row))
console.log('targets: ratio >= 0.6, service p99 < 10 ms, clicks stored = redirects answered')
console.log("cpu: the server process's CPU time (all threads, user + system) per request, and bare/service: the work a redirect costs, which unlike throughput does not move with whatever else runs on the machine (PostgreSQL's own processes not counted); service cpu main/other: the service's split between the thread that answers requests and all its other threads (the SQLite writer, V8's and libuv's helpers)")
