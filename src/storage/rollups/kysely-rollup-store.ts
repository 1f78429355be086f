import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import { FACT_COLUMNS } from './rollup-deltas.js'
import type { Level, RollupStore } from './rollup-maintenance.js'

/** Keys per IN list, rows per VALUES: far below either database's parameter limit. */
const SLICE = 400

function slices<T>(items: readonly T[], size = SLICE): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** The rollups' store through Kysely, in the caller's transaction: PostgreSQL's writer, and every adjustment on either database. */
export function kyselyRollupStore(db: Kysely<Database>): RollupStore {
  const clusterColumn = (level: Level) => (level === 'browser' ? 'fc.browser_cluster_id' : 'fc.device_cluster_id')
  const summed = (table: 'click_rollups' | 'account_rollups') => {
    const add = (column: string) => sql`${sql.ref(`${table}.${column}`)} + ${sql.ref(`excluded.${column}`)}`
    return {
      clicks: add('clicks'), browser_uniques: add('browser_uniques'), device_uniques: add('device_uniques'),
      bot_clicks: add('bot_clicks'), confidence_sum: add('confidence_sum'), confidence_count: add('confidence_count'),
    } as never
  }
  return {
    async owners(linkIds) {
      const out = []
      for (const part of slices(linkIds)) out.push(...(await db.selectFrom('links').select(['id', 'user_id']).where('id', 'in', part).execute()))
      return out
    },
    async clusters(ids) {
      const out = []
      for (const part of slices(ids)) {
        out.push(...(await db.selectFrom('fingerprint_correlations').select(['fingerprint_id', 'browser_cluster_id', 'device_cluster_id']).where('fingerprint_id', 'in', part).execute()))
      }
      return out
    },
    async claimVisitors(level, rows) {
      const out = []
      for (const part of slices(rows)) {
        out.push(...(await db.insertInto('link_visitors').values(part.map((r) => ({ level, ...r }))).onConflict((oc) => oc.doNothing()).returning(['cluster_id', 'link_id']).execute()))
      }
      return out.map((r) => ({ cluster_id: r.cluster_id, link_id: Number(r.link_id) }))
    },
    async addVisitors(rows) {
      for (const part of slices(rows)) await db.insertInto('link_visitors').values(part).onConflict((oc) => oc.doNothing()).execute()
    },
    async dropVisitors(level, clusters) {
      for (const part of slices(clusters)) await db.deleteFrom('link_visitors').where('level', '=', level).where('cluster_id', 'in', part).execute()
    },
    async clusterClicks(level, clusters) {
      const out = []
      for (const part of slices(clusters)) {
        out.push(...(await db
          .selectFrom('fingerprint_correlations as fc')
          .innerJoin('clicks as c', 'c.fingerprint_id', 'fc.fingerprint_id')
          .select([...FACT_COLUMNS.map((name) => `c.${name}` as const), 'c.id', `${clusterColumn(level)} as cluster`])
          .where(clusterColumn(level), 'in', part)
          .where('c.is_bot', '=', 0)
          .execute()))
      }
      return out as never
    },
    async setUnique(level, ids, value) {
      for (const part of slices(ids)) await db.updateTable('clicks').set({ [level === 'browser' ? 'browser_unique' : 'device_unique']: value }).where('id', 'in', part).execute()
    },
    async addToRollups(rows) {
      const counts = (r: (typeof rows)[number]) => ({
        hour: r.hour, dimension: r.dimension, value: r.value, clicks: r.clicks, browser_uniques: r.browser_uniques, device_uniques: r.device_uniques,
        bot_clicks: r.bot_clicks, confidence_sum: r.confidence_sum, confidence_count: r.confidence_count,
      })
      for (const part of slices(rows.filter((r) => r.scope === 'link'), 200)) {
        await db.insertInto('click_rollups').values(part.map((r) => ({ link_id: r.id, ...counts(r) })))
          .onConflict((oc) => oc.columns(['link_id', 'dimension', 'hour', 'value']).doUpdateSet(summed('click_rollups'))).execute()
      }
      for (const part of slices(rows.filter((r) => r.scope === 'account'), 200)) {
        await db.insertInto('account_rollups').values(part.map((r) => ({ user_id: r.id, ...counts(r) })))
          .onConflict((oc) => oc.columns(['user_id', 'dimension', 'hour', 'value']).doUpdateSet(summed('account_rollups'))).execute()
      }
    },
  }
}
