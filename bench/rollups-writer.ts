/**
 * What the rollups cost the SQLite click writer's thread, per click, in CPU:
 *   npx tsx bench/rollups-writer.ts [--batches 120] [--batch 250]
 *
 * Writes the same realistic batches (100 links, contexts that return, a third new, merges
 * on 2 % of clicks) twice, each into a fresh database: once as the writer does
 * (writeSqliteBatch: clicks, unique flags, rollups), once with the clicks and contexts
 * alone in the same kind of transaction (the writer before rollups). Both run in this
 * thread, alternating, and report process CPU time per click, so load from elsewhere on
 * the machine does not enter the ratio.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { openRepositories } from '../src/storage/open-repositories.js'
import { LinkOwners } from '../src/storage/rollups/rollup-maintenance.js'
import { openSqliteDatabase } from '../src/storage/sqlite/open-sqlite-database.js'
import { encodeClickBatch, sqliteClickInserter, writeSqliteBatch } from '../src/storage/sqlite/sqlite-click-inserter.js'
import type { ClickRecord } from '../src/storage/storage.js'
import { clickRecord } from '../test/helpers/click-records.js'

const { values } = parseArgs({ options: { batches: { type: 'string', default: '120' }, batch: { type: 'string', default: '250' } } })
const BATCHES = Number(values.batches)
const SIZE = Number(values.batch)

let seed = 42
const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648)
const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)]!

function batches(linkIds: readonly number[]): ClickRecord[][] {
  const out: ClickRecord[][] = []
  const roots = new Map<string, string>()
  let contexts = 0
  let ts = Date.UTC(2026, 10, 1)
  for (let b = 0; b < BATCHES; b++) {
    const batch: ClickRecord[] = []
    for (let i = 0; i < SIZE; i++) {
      ts += 700
      const bot = rnd() < 0.08
      const fresh = !bot && (roots.size === 0 || rnd() < 0.33)
      const ctx = fresh ? `ctx${contexts++}` : `ctx${Math.floor(rnd() * contexts)}`
      const r = clickRecord(pick(linkIds), ts, {
        ip_hash: `ip${ts}`, user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
        is_bot: bot ? 1 : 0, bot_reason: bot ? 'user_agent' : null, fingerprint_id: bot ? null : ctx, confidence: bot ? null : 60,
        browser_name: bot ? null : pick(['Chrome', 'Safari', 'Firefox', 'Edge']), os_name: bot ? null : pick(['Windows', 'macOS', 'iOS', 'Android']),
        device_type: bot ? null : pick(['desktop', 'mobile']), country: bot ? null : pick(['IT', 'DE', 'FR', 'US', 'GB']), city: bot ? null : pick(['Rome', 'Milan', 'Berlin', 'Paris', 'London', 'Boston']),
        geo_source: bot ? null : 'database', geo_confidence: bot ? null : 80, language: bot ? null : pick(['it', 'de', 'fr', 'en']), referrer_host: pick([null, 'news.example', 't.co', 'mail.example']),
      })
      if (!bot) {
        if (fresh) {
          roots.set(ctx, ctx)
          r.fingerprint = {
            row: { id: ctx, device_fingerprint: 'd', browser_fingerprint: 'b', session_fingerprint: 's', primary_fingerprint: 'p', sdk_device_hash: null, sdk_browser_hash: null, browser_name: 'Chrome', os_name: 'Windows', device_type: 'desktop', confidence: 60, correlation_factors: '[]', fingerprint_version: 2, created_at: ts, last_seen: ts },
            correlation: { fingerprint_id: ctx, browser_cluster_id: ctx, device_cluster_id: ctx, correlation_type: null, confidence_score: 60, updated_at: ts, edges: null },
          }
        } else if (rnd() < 0.02 && roots.size > 2) {
          const absorbed = roots.get(ctx)!
          const into = roots.get(`ctx${Math.floor(rnd() * contexts)}`)!
          if (into !== absorbed) {
            for (const [k, v] of roots) if (v === absorbed) roots.set(k, into)
            r.merges = [{ level: 'device', absorbed, into }]
          }
        }
        r.click.browser_id = ctx
        r.click.device_id = roots.get(ctx)!
      }
      batch.push(r)
    }
    out.push(batch)
  }
  return out
}

async function fresh(dir: string, name: string) {
  const path = join(dir, `${name}.db`)
  const storage = openRepositories(`sqlite:${path}`)
  await storage.migrateUp()
  const user = await storage.users.createUser({ email: 'b@example.com', passwordHash: 'x', isAdmin: false, createdAt: 1 })
  const links: number[] = []
  for (let i = 0; i < 100; i++) links.push((await storage.links.createLink({ slug: `l${i}`, url: 'https://example.org/', userId: user.id, createdAt: 1, updatedAt: 1, expiresAt: null, maxClicks: null, redirectStatus: 302, tags: [] })).id)
  await storage.close()
  const database = openSqliteDatabase(path)
  return { database, links, inserter: sqliteClickInserter(database) }
}

const cpu = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

const dir = mkdtempSync(join(tmpdir(), 'linkprint-rollups-bench-'))
const withRollups = await fresh(dir, 'rollups')
const without = await fresh(dir, 'plain')
const work = batches(withRollups.links).map((b) => encodeClickBatch(b))
const owners = new LinkOwners()
let rollupsMs = 0
let plainMs = 0
for (const batch of work) {
  // Each side gets its own copy: the writer sets flags in the rows it is given.
  const a = structuredClone(batch)
  const b = structuredClone(batch)
  let t = cpu()
  await writeSqliteBatch(withRollups.inserter, [a], owners)
  rollupsMs += cpu() - t
  t = cpu()
  without.database.exec('BEGIN IMMEDIATE')
  without.inserter.identity(b)
  for (const row of b.clicks) for (const i of [row.length - 2, row.length - 1]) row[i] = 0
  without.inserter.clicks(b)
  without.database.exec('COMMIT')
  plainMs += cpu() - t
}
const clicks = BATCHES * SIZE
const rows = (db: typeof withRollups.database, table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n
console.log(`${clicks} clicks in ${BATCHES} batches of ${SIZE}, 100 links`)
console.log(`writer CPU per click: ${((plainMs * 1000) / clicks).toFixed(1)} µs without rollups, ${((rollupsMs * 1000) / clicks).toFixed(1)} µs with (+${(((rollupsMs - plainMs) * 1000) / clicks).toFixed(1)} µs, ×${(rollupsMs / plainMs).toFixed(2)})`)
console.log(`rollup rows: ${rows(withRollups.database, 'click_rollups')} link, ${rows(withRollups.database, 'account_rollups')} account, ${rows(withRollups.database, 'link_visitors')} link_visitors`)
withRollups.database.close()
without.database.close()
rmSync(dir, { recursive: true, force: true })
