/**
 * Replay throughput on SQLite and PostgreSQL:
 *   npm run build && npx tsx bench/replay.ts [--people 3000] [--dialects sqlite,postgres]
 *
 * Simulates a month of mixed traffic (bench/accuracy's simulator, SDK on 80 % of clicks),
 * then runs the built `linkprint replay` on it against a fresh database of each dialect,
 * and prints events per second as the command reports them, beside a plain read of the
 * same file (the floor no replay can beat) measured in the same run.
 */
import type { DialectName } from '../src/storage/storage.js'
import { createTestDatabase } from '../test/helpers/test-databases.js'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { simulate, writeSimulation } from './accuracy/simulate.js'

const { values } = parseArgs({ options: { people: { type: 'string', default: '3000' }, dialects: { type: 'string', default: 'sqlite,postgres' } } })
const dir = mkdtempSync(join(tmpdir(), 'linkprint-replay-bench-'))
const sim = simulate({ profile: 'mixed', seed: 11, sdkShare: 0.8, people: Number(values.people), days: 28 })
const { events } = writeSimulation(sim, dir)
const clicks = sim.clicks.length

let t = performance.now()
const parsed = readFileSync(events, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown).length
const parseRate = parsed / ((performance.now() - t) / 1000)

const rows: string[][] = []
for (const dialect of values.dialects!.split(',')) {
  // A database of its own, dropped after (TEST_POSTGRES_URL names the server, as for the tests).
  const { url, drop } = await createTestDatabase(dialect as DialectName)
  t = performance.now()
  const res = spawnSync(process.execPath, ['bin/linkprint.js', 'replay', events, '--json'], { env: { ...process.env, DATABASE_URL: url, PRIVACY_MODE: 'full' }, encoding: 'utf8' })
  const wall = (performance.now() - t) / 1000
  await drop()
  if (res.status !== 0) throw new Error(`replay failed on ${dialect}: ${res.stderr}`)
  const summary = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as { clicks: number; eventsPerSecond: number; seconds: number }
  rows.push([dialect, String(summary.clicks), String(summary.eventsPerSecond), summary.seconds.toFixed(1), wall.toFixed(1)])
}
rmSync(dir, { recursive: true, force: true })
console.log(`replay throughput: ${clicks} clicks of simulated mixed traffic (${values.people} people, 28 days, SDK share 0.8)`)
console.log(`baseline: reading and parsing the file alone: ${Math.round(parseRate)} lines/s`)
console.log(['db', 'clicks', 'events/s', 'replay s', 'wall s (incl. start, migrations)'].join('  '))
for (const r of rows) console.log(r.join('  '))
