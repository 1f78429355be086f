import type Database from 'better-sqlite3'
import { FACT_COLUMNS } from '../rollups/rollup-deltas.js'
import type { RollupStore } from '../rollups/rollup-maintenance.js'

/**
 * The rollups' store on the SQLite writer's connection: one prepared statement per key,
 * so the writer thread loads neither Kysely nor a query compiler (under tsx that import
 * alone cost the thread ~4 s to start) and runs no statement it has to prepare again.
 */
export function sqliteRollupStore(database: Database.Database): RollupStore {
  const owner = database.prepare('SELECT id, user_id FROM links WHERE id = ?')
  const cluster = database.prepare('SELECT fingerprint_id, browser_cluster_id, device_cluster_id FROM fingerprint_correlations WHERE fingerprint_id = ?')
  const addVisitor = database.prepare('INSERT INTO link_visitors (level, cluster_id, link_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
  const dropVisitors = database.prepare('DELETE FROM link_visitors WHERE level = ? AND cluster_id = ?')
  const facts = FACT_COLUMNS.map((c) => `c.${c}`).join(', ')
  const clicksOf = {
    browser: database.prepare(`SELECT ${facts}, c.id, fc.browser_cluster_id AS cluster FROM fingerprint_correlations fc JOIN clicks c ON c.fingerprint_id = fc.fingerprint_id WHERE fc.browser_cluster_id = ? AND c.is_bot = 0`),
    device: database.prepare(`SELECT ${facts}, c.id, fc.device_cluster_id AS cluster FROM fingerprint_correlations fc JOIN clicks c ON c.fingerprint_id = fc.fingerprint_id WHERE fc.device_cluster_id = ? AND c.is_bot = 0`),
  }
  const setUnique = {
    browser: database.prepare('UPDATE clicks SET browser_unique = ? WHERE id = ?'),
    device: database.prepare('UPDATE clicks SET device_unique = ? WHERE id = ?'),
  }
  const counts = 'clicks, browser_uniques, device_uniques, bot_clicks, confidence_sum, confidence_count'
  const add = (table: string) => ['clicks', 'browser_uniques', 'device_uniques', 'bot_clicks', 'confidence_sum', 'confidence_count'].map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ')
  const upsert = {
    link: database.prepare(`INSERT INTO click_rollups (link_id, hour, dimension, value, ${counts}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (link_id, dimension, hour, value) DO UPDATE SET ${add('click_rollups')}`),
    account: database.prepare(`INSERT INTO account_rollups (user_id, hour, dimension, value, ${counts}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (user_id, dimension, hour, value) DO UPDATE SET ${add('account_rollups')}`),
  }
  type Row<T> = T
  return {
    owners: (ids) => ids.flatMap((id) => (owner.all(id) as Array<Row<{ id: number; user_id: number }>>)),
    clusters: (ids) => ids.flatMap((id) => cluster.all(id) as Array<{ fingerprint_id: string; browser_cluster_id: string; device_cluster_id: string }>),
    claimVisitors: (level, rows) => rows.filter((r) => addVisitor.run(level, r.cluster_id, r.link_id).changes === 1),
    addVisitors: (rows) => {
      for (const r of rows) addVisitor.run(r.level, r.cluster_id, r.link_id)
    },
    dropVisitors: (level, clusters) => {
      for (const c of clusters) dropVisitors.run(level, c)
    },
    clusterClicks: (level, clusters) => clusters.flatMap((c) => clicksOf[level].all(c)) as never,
    setUnique: (level, ids, value) => {
      for (const id of ids) setUnique[level].run(value, id)
    },
    addToRollups: (rows) => {
      for (const r of rows) upsert[r.scope].run(r.id, r.hour, r.dimension, r.value, r.clicks, r.browser_uniques, r.device_uniques, r.bot_clicks, r.confidence_sum, r.confidence_count)
    },
  }
}
