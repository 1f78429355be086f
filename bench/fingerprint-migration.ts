/**
 * The fingerprint migration job and the restart reload, on SQLite and PostgreSQL:
 *   GEOIP_DB=off npx tsx bench/fingerprint-migration.ts [--people 2000] [--days 28] [--chunk 1000] [--dialects sqlite,postgres]
 *
 * Simulates mixed traffic (bench/accuracy's simulator, SDK on half the clicks), replays
 * it through the server in process, then measures
 * - the reload of the identity engine's state when a new process opens the database
 *   (identity-state-loader.ts, default windows), and
 * - `rollback` then `migrate` (POST /api/admin/migrate-fingerprinting): the job's clicks
 *   per second from start to done, and that the rebuilt numbers equal the live ones.
 */
import type { DialectName } from '../src/storage/storage.js'
import { createTestDatabase } from '../test/helpers/test-databases.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { simulate, writeSimulation } from './accuracy/simulate.js'
import { loadConfig } from '../src/config/config.js'
import { buildApp } from '../src/http/app.js'
import { statsJson } from '../src/http/plugins/analytics-plugin.js'
import { createLinkprint } from '../src/linkprint.js'
import { ReplayClock } from '../src/replay/replay-clock.js'
import { replay } from '../src/replay/replay.js'

const { values } = parseArgs({
  options: {
    people: { type: 'string', default: '2000' },
    days: { type: 'string', default: '28' },
    chunk: { type: 'string', default: '1000' },
    dialects: { type: 'string', default: 'sqlite,postgres' },
  },
})
const dir = mkdtempSync(join(tmpdir(), 'linkprint-migration-bench-'))
const sim = simulate({ profile: 'mixed', seed: 29, sdkShare: 0.5, people: Number(values.people), days: Number(values.days) })
const { events } = writeSimulation(sim, dir)

async function open(url: string) {
  const clock = new ReplayClock()
  const env = { DATABASE_URL: url, SECRET: 'bench-secret-bench-secret', PRIVACY_MODE: 'full', GEOIP_DB: process.env.GEOIP_DB ?? 'off' }
  const started = performance.now()
  const linkprint = await createLinkprint(loadConfig(env), { clock, migrationChunkSize: Number(values.chunk) })
  const openMs = performance.now() - started
  const app = await buildApp(linkprint)
  await app.ready()
  return { linkprint, app, clock, openMs }
}

async function stats(lp: Awaited<ReturnType<typeof open>>['linkprint']) {
  await lp.writer.flush()
  return JSON.stringify((await lp.storage.analytics.allLinkStats({})).map(statsJson))
}

const rows: string[][] = []
for (const dialect of values.dialects!.split(',')) {
  // A database of its own, dropped after (TEST_POSTGRES_URL names the server, as for the tests).
  const { url, drop } = await createTestDatabase(dialect as DialectName)
  try {
    const first = await open(url)
    const owner = await first.linkprint.auth.createUser('bench@localhost', 'bench password', true)
    const replayed = await replay({ linkprint: first.linkprint, app: first.app, clock: first.clock, owner, file: events })
    const live = await stats(first.linkprint)
    await first.app.close()
    await first.linkprint.close()

    // A new process on the same database: the reload is part of its start.
    const second = await open(url)
    const load = second.linkprint.identityLoad
    const migration = second.linkprint.fingerprintMigration
    await migration.rollback()
    const t = performance.now()
    await migration.migrate()
    const done = await migration.settled()
    const seconds = (performance.now() - t) / 1000
    const equal = (await stats(second.linkprint)) === live
    await second.app.close()
    await second.linkprint.close()
    if (done.job.state !== 'done') throw new Error(`job ended ${done.job.state}: ${done.job.error}`)
    rows.push([
      dialect, String(replayed.clicks), Math.round(replayed.clicks / replayed.seconds).toString(),
      `${Math.round(load.ms)} ms (${load.memberships} memberships, ${load.contexts} contexts, ${load.sightings} sightings, ${load.edges} edges)`, `${Math.round(second.openMs)} ms`,
      String(done.job.processed), seconds.toFixed(2), Math.round(done.job.processed / seconds).toString(), equal ? 'yes' : 'NO',
    ])
  } finally {
    await drop()
  }
}
rmSync(dir, { recursive: true, force: true })
console.log(`fingerprint migration: ${sim.clicks.length} clicks of simulated mixed traffic (${values.people} people, ${values.days} days, SDK share 0.5), chunks of ${values.chunk}`)
console.log(['db', 'clicks', 'replay/s', 'state reload', 'whole start', 'job clicks', 'job s', 'job clicks/s', 'stats = live'].join(' | '))
for (const r of rows) console.log(r.join(' | '))
