import type { Kysely } from 'kysely'
import type { Database } from './database.js'
import { clickFacts, withRollupsAdjusted } from './rollups/rollup-adjustments.js'
import { LinkOwners } from './rollups/rollup-maintenance.js'
import type { RetentionCounts, VisitorClickRow, VisitorContext } from './storage.js'

/** One visitor's rows, found through their storage contexts: export and erasure (privacy/visitor-data.ts). */
export class VisitorsRepository {
  readonly #db: Kysely<Database>
  readonly #owners = new LinkOwners()

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  /** The device cluster a context is in, as fingerprint_correlations stores it. */
  async deviceClusterOf(key: string): Promise<string | undefined> {
    const row = await this.#db.selectFrom('fingerprint_correlations').select('device_cluster_id').where('fingerprint_id', '=', key).executeTakeFirst()
    return row?.device_cluster_id
  }

  /** The storage contexts fingerprint_correlations places in this device cluster. */
  async clusterContexts(deviceCluster: string): Promise<string[]> {
    const rows = await this.#db.selectFrom('fingerprint_correlations').select('fingerprint_id').where('device_cluster_id', '=', deviceCluster).orderBy('fingerprint_id').execute()
    return rows.map((r) => r.fingerprint_id)
  }

  /** The contexts' identity rows (those that exist), in key order. */
  async visitorContexts(keys: readonly string[]): Promise<VisitorContext[]> {
    const out = new Map<string, VisitorContext>()
    for (const slice of slices(keys)) {
      const [fingerprints, correlations] = await Promise.all([
        this.#db.selectFrom('enhanced_fingerprints').select(['id', 'browser_name', 'os_name', 'device_type', 'created_at', 'last_seen']).where('id', 'in', slice).execute(),
        this.#db.selectFrom('fingerprint_correlations').select(['fingerprint_id', 'browser_cluster_id', 'device_cluster_id', 'correlation_type']).where('fingerprint_id', 'in', slice).execute(),
      ])
      const empty = (key: string): VisitorContext => ({ key, browserName: null, osName: null, deviceType: null, createdAt: null, lastSeen: null, browserCluster: null, deviceCluster: null, correlationType: null })
      for (const f of fingerprints) {
        out.set(f.id, { ...empty(f.id), browserName: f.browser_name, osName: f.os_name, deviceType: f.device_type, createdAt: Number(f.created_at), lastSeen: Number(f.last_seen) })
      }
      for (const c of correlations) {
        out.set(c.fingerprint_id, { ...(out.get(c.fingerprint_id) ?? empty(c.fingerprint_id)), browserCluster: c.browser_cluster_id, deviceCluster: c.device_cluster_id, correlationType: c.correlation_type })
      }
    }
    return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  }

  /** Pages through the clicks of these storage contexts (clicks.fingerprint_id) in id order. */
  async visitorClicksPage(keys: readonly string[], afterId: number, limit: number): Promise<VisitorClickRow[]> {
    if (keys.length === 0) return []
    // clicks_fingerprint_idx finds them: a visitor is a handful of contexts, never a scan.
    const rows = await this.#db
      .selectFrom('clicks as c')
      .leftJoin('links as l', 'l.id', 'c.link_id')
      .selectAll('c')
      .select('l.slug')
      .where('c.fingerprint_id', 'in', keys)
      .where('c.id', '>', afterId)
      .orderBy('c.id')
      .limit(limit)
      .execute()
    return rows as VisitorClickRow[]
  }

  /**
   * Deletes the clicks of these storage contexts, at most `limit` a statement, then their
   * identity rows. Links' click_count is left alone, as retention leaves it.
   */
  async deleteVisitorData(keys: readonly string[], limit: number): Promise<RetentionCounts> {
    const counts: RetentionCounts = { clicks: 0, fingerprints: 0, correlations: 0 }
    for (const slice of slices(keys)) {
      // Bounded statements, as retention's: a wrongly merged giant cluster must not hold the database.
      for (;;) {
        // Each statement's clicks leave the rollups in its transaction.
        const n = await this.#db.transaction().execute(async (trx) => {
          const ids = (await trx.selectFrom('clicks').select('id').where('fingerprint_id', 'in', slice).orderBy('id').limit(limit).execute()).map((r) => Number(r.id))
          await withRollupsAdjusted(trx, this.#owners, await clickFacts(trx, ids), async () => {
            for (let i = 0; i < ids.length; i += KEY_SLICE) await trx.deleteFrom('clicks').where('id', 'in', ids.slice(i, i + KEY_SLICE)).execute()
          })
          return ids.length
        })
        counts.clicks += n
        if (n < limit) break
      }
      await this.#db.transaction().execute(async (trx) => {
        counts.correlations += Number((await trx.deleteFrom('fingerprint_correlations').where('fingerprint_id', 'in', slice).executeTakeFirst()).numDeletedRows)
        counts.fingerprints += Number((await trx.deleteFrom('enhanced_fingerprints').where('id', 'in', slice).executeTakeFirst()).numDeletedRows)
      })
    }
    return counts
  }
}

/** Keys per IN list: far below either database's parameter limit. */
const KEY_SLICE = 500

function slices(keys: readonly string[]): string[][] {
  const out: string[][] = []
  for (let i = 0; i < keys.length; i += KEY_SLICE) out.push(keys.slice(i, i + KEY_SLICE))
  return out
}
