import { randomUUID } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import { CLICK_COLUMNS, collapsedMerges, CORRELATION_COLUMNS, encodeInParts, FINGERPRINT_COLUMNS, humanClicksByLink } from '../click-columns.js'
import type { Database } from '../database.js'
import type { ClickBatchWriter } from '../linkprint-dialect.js'
import { kyselyRollupStore } from '../rollups/kysely-rollup-store.js'
import { LinkOwners, movesOf, writeBatchWithRollups, type BatchClick } from '../rollups/rollup-maintenance.js'
import type { ClickRecord } from '../storage.js'

/**
 * `INSERT … SELECT` from one JSON parameter per table: PostgreSQL reads the rows with the
 * table's own column types (json_populate_recordset), so a batch of any size is three
 * short statements, and the node side only runs the native JSON.stringify. (Per-column
 * arrays went through pg's JavaScript array serialiser, and multi-row VALUES through one
 * bind parameter per value, up to the protocol's 65 535: a batch of new visitors near
 * CLICK_BATCH_MAX could not be written at all.)
 */
function insertFromJson(table: 'clicks' | 'enhanced_fingerprints' | 'fingerprint_correlations', columns: readonly string[], json: string, conflict: ReturnType<typeof sql> = sql``) {
  const list = sql.join(columns.map((c) => sql.ref(c)))
  return sql`INSERT INTO ${sql.table(table)} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${sql.table(table)}, ${json}::json) ${conflict}`
}

/** A JSON array of one row per record, encoded in parts (click-columns.ts). */
async function jsonRows<T>(records: readonly T[], rowOf: (record: T) => object): Promise<string> {
  const parts = await encodeInParts(records, (part) => JSON.stringify(part.map(rowOf)).slice(1, -1))
  return `[${parts.join(',')}]`
}

const CLICK_NAMES = CLICK_COLUMNS.map(([name]) => name)

/** How long a committed batch's id is kept: far beyond any retry's backoff. */
const BATCH_ID_TTL_MS = 86_400_000
/** Old ids are pruned every this many batches (one indexed DELETE). */
const PRUNE_EVERY = 1_000

export function postgresClickBatchWriter(): ClickBatchWriter {
  const owners = new LinkOwners()
  // The click writer retries a failed batch with the same array: the same id, so a commit whose answer was lost is not written twice.
  const ids = new WeakMap<readonly ClickRecord[], string>()
  let written = 0
  return {
    close: async () => {},
    async write(db, records) {
      let id = ids.get(records)
      if (id === undefined) ids.set(records, (id = randomUUID()))
      await writeBatch(db, records, owners, id, ++written % PRUNE_EVERY === 0)
    },
  }
}

async function writeBatch(db: Kysely<Database>, records: readonly ClickRecord[], owners: LinkOwners, batchId: string, prune: boolean): Promise<void> {
  // One row per context: a context placed anew later in the batch (resolve-identity.ts) comes twice,
  // and one INSERT … ON CONFLICT may not touch a row twice; the last is the state after the batch.
  const last = new Map<string, ClickRecord>()
  for (const r of records) if (r.fingerprint) last.set(r.fingerprint.row.id, r)
  const latest = [...last.values()]
  // Copies: the writer sets their unique flags, and a retried batch must start from the records as they came.
  const clicks: BatchClick[] = records.map((r) => ({ ...r.click }) as BatchClick)
  const fingerprints = await jsonRows(latest, (r) => r.fingerprint!.row)
  const correlations = await jsonRows(latest, (r) => r.fingerprint!.correlation)
  await db.transaction().execute(async (trx) => {
    const now = Date.now()
    const claimed = await trx.insertInto('click_batches').values({ id: batchId, written_at: now }).onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst()
    // An earlier attempt of this batch committed; only its answer was lost.
    if (claimed === undefined) return
    if (prune) await trx.deleteFrom('click_batches').where('written_at', '<', now - BATCH_ID_TTL_MS).execute()
    await writeBatchWithRollups(kyselyRollupStore(trx), movesOf(records), clicks, owners, {
      identity: () => writeIdentity(trx, records, latest, fingerprints, correlations),
      clicks: async () => {
        await insertFromJson('clicks', CLICK_NAMES, await jsonRows(clicks, (c) => c)).execute(trx)
        for (const [linkId, n] of humanClicksByLink(records)) {
          await trx.updateTable('links').set((eb) => ({ click_count: eb('click_count', '+', n) })).where('id', '=', linkId).execute()
        }
      },
    }, latest.map((r) => r.fingerprint!.row.id))
  })
}

/** The batch's new contexts, then its merges and reassignments. */
async function writeIdentity(trx: Kysely<Database>, records: readonly ClickRecord[], latest: readonly ClickRecord[], fingerprints: string, correlations: string): Promise<void> {
  if (latest.length > 0) {
    await insertFromJson('enhanced_fingerprints', FINGERPRINT_COLUMNS, fingerprints, sql`
      ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, confidence = excluded.confidence, correlation_factors = excluded.correlation_factors`).execute(trx)
    await insertFromJson('fingerprint_correlations', CORRELATION_COLUMNS, correlations, sql`
      ON CONFLICT (fingerprint_id) DO UPDATE SET browser_cluster_id = excluded.browser_cluster_id, device_cluster_id = excluded.device_cluster_id,
        correlation_type = excluded.correlation_type, confidence_score = excluded.confidence_score, updated_at = excluded.updated_at, edges = excluded.edges`).execute(trx)
  }
  if (records.some((r) => r.reassignments)) {
    // Rare (evidence withdrawn): order matters between merges and reassignments, so one statement each, in order.
    for (const r of records) {
      for (const m of r.merges ?? []) {
        const column = m.level === 'browser' ? 'browser_cluster_id' : 'device_cluster_id'
        await trx.updateTable('fingerprint_correlations').set({ [column]: m.into, updated_at: r.click.ts }).where(column, '=', m.absorbed).execute()
      }
      for (const a of r.reassignments ?? []) {
        await trx.updateTable('fingerprint_correlations').set({ browser_cluster_id: a.browserClusterId, device_cluster_id: a.deviceClusterId, updated_at: r.click.ts }).where('fingerprint_id', '=', a.fingerprintId).execute()
      }
    }
    return
  }
  const at = records.at(-1)!.click.ts
  for (const [level, moves] of Object.entries(collapsedMerges(records))) {
    if (moves.size === 0) continue
    const column = sql.ref(level === 'browser' ? 'browser_cluster_id' : 'device_cluster_id')
    await sql`UPDATE fingerprint_correlations AS fc SET ${column} = m.into_id, updated_at = ${at}
              FROM unnest(${[...moves.keys()]}::text[], ${[...moves.values()]}::text[]) AS m(absorbed_id, into_id)
              WHERE fc.${column} = m.absorbed_id`.execute(trx)
  }
}
