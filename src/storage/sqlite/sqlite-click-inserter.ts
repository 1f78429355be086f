import type Database from 'better-sqlite3'
import { CLICK_COLUMNS, CORRELATION_COLUMNS, FINGERPRINT_COLUMNS, humanClicksByLink } from '../click-columns.js'
import type { ClickRecord } from '../storage.js'

/** A batch as it crosses to the writer thread: plain arrays in the columns' order. */
export interface EncodedClickBatch {
  clicks: unknown[][]
  humanClicks: Array<[linkId: number, count: number]>
  fingerprints: unknown[][]
  correlations: unknown[][]
  /** Merges and reassignments, in the order the engine made them. */
  moves: Array<[kind: 'browser' | 'device', from: string, to: string, at: number] | [kind: 'reassign', key: string, browser: string, device: string, at: number]>
}

export function encodeClickBatch(records: readonly ClickRecord[]): EncodedClickBatch {
  const batch: EncodedClickBatch = { clicks: [], humanClicks: [...humanClicksByLink(records)], fingerprints: [], correlations: [], moves: [] }
  for (const r of records) {
    batch.clicks.push(CLICK_COLUMNS.map(([name]) => r.click[name]))
    if (r.fingerprint) {
      const { row, correlation } = r.fingerprint
      batch.fingerprints.push(FINGERPRINT_COLUMNS.map((name) => row[name]))
      batch.correlations.push(CORRELATION_COLUMNS.map((name) => correlation[name] ?? null))
    }
    for (const m of r.merges ?? []) batch.moves.push([m.level, m.absorbed, m.into, r.click.ts])
    for (const a of r.reassignments ?? []) batch.moves.push(['reassign', a.fingerprintId, a.browserClusterId, a.deviceClusterId, r.click.ts])
  }
  return batch
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ')

/**
 * One prepared statement run per row, the parts of a batch (consecutive slices of it) all
 * in one transaction. Within a part, fingerprints and correlations are inserted before
 * its merges and reassignments, which then move them, in the order the engine made them.
 */
export function sqliteClickInserter(database: Database.Database): (parts: readonly EncodedClickBatch[]) => void {
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
  return database.transaction((batches: readonly EncodedClickBatch[]) => {
    for (const batch of batches) {
      for (const row of batch.clicks) insertClick.run(row)
      for (const [linkId, n] of batch.humanClicks) bump.run(n, linkId)
      for (const row of batch.fingerprints) upsertFingerprint.run(row)
      for (const row of batch.correlations) upsertCorrelation.run(row)
      for (const move of batch.moves) {
        if (move[0] === 'reassign') reassign.run(move[2], move[3], move[4], move[1])
        else (move[0] === 'browser' ? mergeBrowser : mergeDevice).run(move[2], move[3], move[1])
      }
    }
  })
}
