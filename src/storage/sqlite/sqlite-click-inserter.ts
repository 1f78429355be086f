import type Database from 'better-sqlite3'
import { CLICK_COLUMNS, CORRELATION_COLUMNS, FINGERPRINT_COLUMNS, humanClicksByLink } from '../click-columns.js'
import { FACT_COLUMNS } from '../rollups/rollup-deltas.js'
import { movesOf, writeBatchWithRollups, type BatchClick, type ClusterMove, type LinkOwners, type RollupStore } from '../rollups/rollup-maintenance.js'
import type { ClickRecord } from '../storage.js'
import { sqliteRollupStore } from './sqlite-rollup-store.js'

/** A batch as it crosses to the writer thread: plain arrays in the columns' order. */
export interface EncodedClickBatch {
  clicks: unknown[][]
  humanClicks: Array<[linkId: number, count: number]>
  fingerprints: unknown[][]
  correlations: unknown[][]
  /** Merges and reassignments, in the order the engine made them. */
  moves: ClusterMove[]
}

export function encodeClickBatch(records: readonly ClickRecord[]): EncodedClickBatch {
  const batch: EncodedClickBatch = { clicks: [], humanClicks: [...humanClicksByLink(records)], fingerprints: [], correlations: [], moves: movesOf(records) }
  for (const r of records) {
    batch.clicks.push(CLICK_COLUMNS.map(([name]) => r.click[name] ?? null))
    if (r.fingerprint) {
      const { row, correlation } = r.fingerprint
      batch.fingerprints.push(FINGERPRINT_COLUMNS.map((name) => row[name]))
      batch.correlations.push(CORRELATION_COLUMNS.map((name) => correlation[name] ?? null))
    }
  }
  return batch
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ')

export interface SqliteClickInserter {
  readonly database: Database.Database
  readonly rollups: RollupStore
  /** A part's new contexts, then its merges and reassignments, in the order the engine made them. */
  identity(batch: EncodedClickBatch): void
  /** A part's clicks and its links' human-click counters. */
  clicks(batch: EncodedClickBatch): void
}

/** One prepared statement run per row; the caller holds the transaction (writeSqliteBatch). */
export function sqliteClickInserter(database: Database.Database): SqliteClickInserter {
  const insertClick = database.prepare(`INSERT INTO clicks (${CLICK_COLUMNS.map(([c]) => c).join(', ')}) VALUES (${placeholders(CLICK_COLUMNS.length)})`)
  const bump = database.prepare('UPDATE links SET click_count = click_count + ? WHERE id = ?')
  const upsertFingerprint = database.prepare(
    `INSERT INTO enhanced_fingerprints (${FINGERPRINT_COLUMNS.join(', ')}) VALUES (${placeholders(FINGERPRINT_COLUMNS.length)})
     ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, confidence = excluded.confidence, correlation_factors = excluded.correlation_factors`,
  )
  const upsertCorrelation = database.prepare(
    `INSERT INTO fingerprint_correlations (${CORRELATION_COLUMNS.join(', ')}) VALUES (${placeholders(CORRELATION_COLUMNS.length)})
     ON CONFLICT (fingerprint_id) DO UPDATE SET browser_cluster_id = excluded.browser_cluster_id, device_cluster_id = excluded.device_cluster_id,
       correlation_type = excluded.correlation_type, confidence_score = excluded.confidence_score, updated_at = excluded.updated_at, edges = excluded.edges`,
  )
  const mergeBrowser = database.prepare('UPDATE fingerprint_correlations SET browser_cluster_id = ?, updated_at = ? WHERE browser_cluster_id = ?')
  const mergeDevice = database.prepare('UPDATE fingerprint_correlations SET device_cluster_id = ?, updated_at = ? WHERE device_cluster_id = ?')
  const reassign = database.prepare('UPDATE fingerprint_correlations SET browser_cluster_id = ?, device_cluster_id = ?, updated_at = ? WHERE fingerprint_id = ?')
  return {
    database,
    rollups: sqliteRollupStore(database),
    identity(batch) {
      for (const row of batch.fingerprints) upsertFingerprint.run(row)
      for (const row of batch.correlations) upsertCorrelation.run(row)
      for (const move of batch.moves) {
        if (move[0] === 'reassign') reassign.run(move[2], move[3], move[4], move[1])
        else (move[0] === 'browser' ? mergeBrowser : mergeDevice).run(move[2], move[3], move[1])
      }
    },
    clicks(batch) {
      for (const row of batch.clicks) insertClick.run(row)
      for (const [linkId, n] of batch.humanClicks) bump.run(n, linkId)
    },
  }
}

const COLUMN_INDEX = Object.fromEntries(CLICK_COLUMNS.map(([name], i) => [name, i])) as Record<(typeof CLICK_COLUMNS)[number][0], number>

/** What the rollups read of a click row, by name: only these, an object of every column cost ~3 µs a click. */
const BATCH_CLICK_COLUMNS = [...FACT_COLUMNS, 'fingerprint_id', 'browser_id', 'device_id'] as const
const BATCH_CLICK_INDEX = BATCH_CLICK_COLUMNS.map((name) => COLUMN_INDEX[name])

function batchClick(row: unknown[]): BatchClick {
  const out: Record<string, unknown> = {}
  for (let i = 0; i < BATCH_CLICK_COLUMNS.length; i++) out[BATCH_CLICK_COLUMNS[i]!] = row[BATCH_CLICK_INDEX[i]!]
  return out as BatchClick
}

/**
 * The parts of a batch (consecutive slices of it) in one transaction, with their rollups.
 * BEGIN IMMEDIATE: the transaction reads before it writes, and a deferred one could then
 * find the main connection's write in the way with no wait that would help.
 */
export async function writeSqliteBatch(inserter: SqliteClickInserter, parts: readonly EncodedClickBatch[], owners: LinkOwners): Promise<void> {
  const { database } = inserter
  const rows = parts.flatMap((p) => p.clicks)
  const clicks = rows.map(batchClick)
  database.exec('BEGIN IMMEDIATE')
  try {
    await writeBatchWithRollups(inserter.rollups, parts.flatMap((p) => p.moves), clicks, owners, {
      identity: () => { for (const p of parts) inserter.identity(p) },
      clicks: () => {
        rows.forEach((row, i) => {
          row[COLUMN_INDEX.browser_unique] = clicks[i]!.browser_unique
          row[COLUMN_INDEX.device_unique] = clicks[i]!.device_unique
        })
        for (const p of parts) inserter.clicks(p)
      },
    }, parts.flatMap((p) => p.correlations.map((row) => String(row[0]))))
    database.exec('COMMIT')
  } catch (error) {
    if (database.inTransaction) database.exec('ROLLBACK')
    throw error
  }
}
