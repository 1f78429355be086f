import { sql, type Kysely } from 'kysely'
import { CLICK_COLUMNS, collapsedMerges, humanClicksByLink } from '../click-columns.js'
import type { Database } from '../database.js'
import type { ClickBatchWriter } from '../linkprint-dialect.js'
import type { ClickRecord } from '../storage.js'

/**
 * PostgreSQL's bulk path: one array parameter per column and `unnest`, so a batch of any
 * size is one short statement instead of one parameter per value.
 */
export const postgresClickBatchWriter: ClickBatchWriter = {
  close: async () => {},
  write: (db: Kysely<Database>, records: readonly ClickRecord[]) =>
    db.transaction().execute(async (trx) => {
      const columns = sql.join(CLICK_COLUMNS.map(([name]) => sql.ref(name)))
      const arrays = sql.join(CLICK_COLUMNS.map(([name, type]) => sql`${records.map((r) => r.click[name])}::${sql.raw(type)}[]`))
      await sql`INSERT INTO clicks (${columns}) SELECT * FROM unnest(${arrays})`.execute(trx)
      for (const [linkId, n] of humanClicksByLink(records)) {
        await trx.updateTable('links').set((eb) => ({ click_count: eb('click_count', '+', n) })).where('id', '=', linkId).execute()
      }
      // One row per context: a context placed anew later in the batch (resolve-identity.ts) comes twice,
      // and one INSERT … ON CONFLICT may not touch a row twice; the last is the state after the batch.
      const fingerprints = [...new Map(records.flatMap((r) => (r.fingerprint ? [[r.fingerprint.row.id, r.fingerprint] as const] : []))).values()]
      if (fingerprints.length > 0) {
        await trx.insertInto('enhanced_fingerprints').values(fingerprints.map((f) => f.row))
          .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ last_seen: eb.ref('excluded.last_seen'), confidence: eb.ref('excluded.confidence'), correlation_factors: eb.ref('excluded.correlation_factors') })))
          .execute()
        await trx.insertInto('fingerprint_correlations').values(fingerprints.map((f) => f.correlation))
          .onConflict((oc) => oc.column('fingerprint_id').doUpdateSet((eb) => ({
            browser_cluster_id: eb.ref('excluded.browser_cluster_id'), device_cluster_id: eb.ref('excluded.device_cluster_id'),
            correlation_type: eb.ref('excluded.correlation_type'), confidence_score: eb.ref('excluded.confidence_score'), updated_at: eb.ref('excluded.updated_at'),
            edges: eb.ref('excluded.edges'),
          })))
          .execute()
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
    }),
}
