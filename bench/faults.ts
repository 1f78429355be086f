/**
 * The connection faults of issue "Faults lose nothing and take nothing down", measured on
 * the real `linkprint serve`:
 *  - 21 000 idle sockets from one address: does /healthz still answer (from another
 *    address)? With the per-address cap (default 256) and without it (0, as before).
 *  - a request body trickled one byte every 5 s: when is the connection closed (default
 *    REQUEST_TIMEOUT_MS)?
 * The server runs with this machine's descriptor limit (`ulimit -n`, 20 000 here); the
 * sockets are opened by helper processes (bench/lib/idle-sockets.ts), 7 000 each, as one
 * process could not hold them all:
 *
 *   npx tsx bench/faults.ts [--sockets 21000]
 *
 * The other rows (PostgreSQL cut, disk full, Redis down, 40 parallel logins, kill -9) are
 * measured by the fault suite: npx vitest run test/faults test/process test/sessions/session-flow.test.ts -t login
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { getFrom, trickleBody } from '../test/helpers/socket-flood.js'
import { spawnServer } from './lib/spawn-server.js'

const { values } = parseArgs({ options: { sockets: { type: 'string', default: '21000' } } })
const SOCKETS = Number(values.sockets)

async function serve(env: NodeJS.ProcessEnv) {
  const dir = mkdtempSync(join(tmpdir(), 'linkprint-bench-faults-'))
  const spawned = await spawnServer(['--import', 'tsx', 'src/cli/run.ts', 'serve'], {
    PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', SECRET: 'bench-faults-secret', GEOIP_DB: 'off', DATABASE_URL: `sqlite:${join(dir, 'lp.db')}`, ...env,
  })
  return { ...spawned, port: Number(new URL(spawned.url).port), dir }
}

async function flood(label: string, env: NodeJS.ProcessEnv) {
  const server = await serve(env)
  const pid = server.child.pid!
  const helpers = Array.from({ length: Math.ceil(SOCKETS / 7_000) }, (_, i) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/idle-sockets.ts', String(server.port), String(Math.min(7_000, SOCKETS - i * 7_000))], { stdio: ['ignore', 'pipe', 'inherit'] })
    return { child, report: new Promise<string>((resolve) => child.stdout!.on('data', (d) => resolve(String(d).trim()))) }
  })
  const reports = await Promise.all(helpers.map((h) => h.report))
  const connected = reports.reduce((n, r) => n + Number(/connected (\d+)/.exec(r)?.[1] ?? 0), 0)
  const stillOpen = reports.reduce((n, r) => n + Number(/open (\d+)/.exec(r)?.[1] ?? 0), 0)
  let health: string
  try {
    const res = await getFrom('127.0.0.2', server.port, '/healthz')
    health = `${res.status}`
  } catch (error) {
    health = `no answer (${error instanceof Error ? error.message : String(error)})`
  }
  const metrics = await getFrom('127.0.0.2', server.port, '/metrics').then((r) => r.body).catch(() => '')
  const refused = /^linkprint_connections_refused_total (\d+)/m.exec(metrics)?.[1] ?? '?'
  console.log(`| ${label} | ${SOCKETS} | ${connected} | ${stillOpen} | ${refused} | ${health} |`)
  for (const h of helpers) h.child.kill('SIGKILL')
  process.kill(pid, 'SIGKILL')
  rmSync(server.dir, { recursive: true, force: true })
}

console.log('| setting | idle sockets opened from 127.0.0.1 | connected | still open after 1 s | refused (metric) | GET /healthz from 127.0.0.2 |')
console.log('|---|---|---|---|---|---|')
await flood('CONNECTIONS_PER_ADDRESS=256 (default)', {})
await flood('CONNECTIONS_PER_ADDRESS=0 (no cap; the header timeout alone)', { CONNECTIONS_PER_ADDRESS: '0' })

const server = await serve({})
const { response, closedAfterMs } = await trickleBody(server.port, 5_000)
console.log(`\ntrickled body, one byte every 5 s, default REQUEST_TIMEOUT_MS: closed after ${(closedAfterMs / 1000).toFixed(1)} s, answer: ${response.split('\r\n')[0] || '(none)'}`)
process.kill(server.child.pid!, 'SIGKILL')
rmSync(server.dir, { recursive: true, force: true })
