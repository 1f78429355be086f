import type Database from 'better-sqlite3'
import { CLICK_COLUMNS, CORRELATION_COLUMNS, FINGERPRINT_COLUMNS, humanClicksByLink } from '../click-columns.js'
import type { ClickRecord } from '../storage.js'

/** A batch as it crosses to the writer thread: plain arrays in the columns' order. */
export interface EncodedClickBatch {
  clicks: unknown[][]
  humanClicks: Array<[linkId: number, count: number]>
  fingerprints: unknown[][]
  correlations: unknown[][]
  merges: Array<[level: 'browser' | 'device', absorbed: string, into: string, at: number]>
}

export function encodeClickBatch(records: readonly ClickRecord[]): EncodedClickBatch {
  const batch: EncodedClickBatch = { clicks: [], humanClicks: [...humanClicksByLink(records)], fingerprints: [], correlations: [], merges: [] }
  for (const r of records) {
    batch.clicks.push(CLICK_COLUMNS.map(([name]) => r.click[name]))
    if (r.fingerprint) {
      const { row, correlation } = r.fingerprint
      batch.fingerprints.push(FINGERPRINT_COLUMNS.map((name) => row[name]))
      batch.correlations.push(CORRELATION_COLUMNS.map((name) => correlation[name]))
    }
    for (const m of r.merges ?? []) batch.merges.push([m.level, m.absorbed, m.into, r.click.ts])
  }
  return batch
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ')

/**
 * One prepared statement run per row, all in one transaction (about 3 µs a click).
 * Fingerprints and correlations are inserted before the merges of the same batch, which
 * then move them: merges only ever move rows onto a surviving root.
 */
export function sqliteClickInserter(database: Database.Database): (batch: EncodedClickBatch) => void {
  const insertClick = database.prepare(`INSERT INTO clicks (${CLICK_COLUMNS.map(([c]) => c).join(', ')}) VALUES (${placeholders(CLICK_COLUMNS.length)})`)
  const bump = database.prepare('UPDATE links SET click_count = click_count + ? WHERE id = ?')
  const upsertFingerprint = database.prepare(
    `INSERT INTO enhanced_fingerprints (${FINGERPRINT_COLUMNS.join(', ')}) VALUES (${placeholders(FINGERPRINT_COLUMNS.length)})
     ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, confidence = excluded.confidence, correlation_factors = excluded.correlation_factors`,
  )
  const upsertCorrelation = database.prepare(
    `INSERT INTO fingerprint_correlations (${CORRELATION_COLUMNS.join(', ')}) VALUES (${placeholders(CORRELATION_COLUMNS.length)})
     ON CONFLICT (fingerprint_id) DO UPDATE SET browser_cluster_id = excluded.browser_cluster_id, device_cluster_id = excluded.device_cluster_id,
       correlation_type = excluded.correlation_type, confidence_score = excluded.confidence_score, updated_at = excluded.updated_at`,
  )
  const mergeBrowser = database.prepare('UPDATE fingerprint_correlations SET browser_cluster_id = ?, updated_at = ? WHERE browser_cluster_id = ?')
  const mergeDevice = database.prepare('UPDATE fingerprint_correlations SET device_cluster_id = ?, updated_at = ? WHERE device_cluster_id = ?')
  return database.transaction((batch: EncodedClickBatch) => {
    for (const row of batch.clicks) insertClick.run(row)
    for (const [linkId, n] of batch.humanClicks) bump.run(n, linkId)
    for (const row of batch.fingerprints) upsertFingerprint.run(row)
    for (const row of batch.correlations) upsertCorrelation.run(row)
    for (const [level, absorbed, into, at] of batch.merges) (level === 'browser' ? mergeBrowser : mergeDevice).run(into, at, absorbed)
  })
}
