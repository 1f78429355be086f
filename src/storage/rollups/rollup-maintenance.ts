import type { ClickRecord } from '../storage.js'
import { RollupDeltas, type ClickFacts, type RollupDelta } from './rollup-deltas.js'

export type Level = 'browser' | 'device'
export const LEVELS: readonly Level[] = ['browser', 'device']

/** A click as a batch writes it: its facts and what places it in clusters. */
export type BatchClick = ClickFacts & { fingerprint_id: string | null; browser_id: string | null; device_id: string | null }

/** Clusters whose unique clicks a batch's merges or reassignments may have moved: recounted from their clicks. */
export type AffectedClusters = Record<Level, Set<string>>

type Awaitable<T> = T | Promise<T>

/**
 * The reads and writes the rollups need, as small as the writers can serve them: the
 * SQLite writer's thread with prepared statements (sqlite-rollup-store.ts), everything
 * else through Kysely (kysely-rollup-store.ts). Lists may be of any length.
 */
export interface RollupStore {
  owners(linkIds: readonly number[]): Awaitable<Array<{ id: number; user_id: number }>>
  clusters(fingerprintIds: readonly string[]): Awaitable<Array<{ fingerprint_id: string; browser_cluster_id: string; device_cluster_id: string }>>
  /**
   * Inserts these link_visitors rows where missing and answers the ones it inserted: a
   * cluster's first click on a link. One statement a row, where a lookup and an insert
   * took two (bench/rollups-writer.ts).
   */
  claimVisitors(level: Level, rows: ReadonlyArray<{ cluster_id: string; link_id: number }>): Awaitable<Array<{ cluster_id: string; link_id: number }>>
  addVisitors(rows: ReadonlyArray<{ level: Level; cluster_id: string; link_id: number }>): Awaitable<void>
  dropVisitors(level: Level, clusters: readonly string[]): Awaitable<void>
  /** The human clicks of these clusters, through fingerprint_correlations. */
  clusterClicks(level: Level, clusters: readonly string[]): Awaitable<Array<ClickFacts & { id: number; cluster: string }>>
  setUnique(level: Level, ids: readonly number[], value: 0 | 1): Awaitable<void>
  /** Adds each row's counts to its stored row (click_rollups or account_rollups), creating it if new. */
  addToRollups(rows: readonly RollupDelta[]): Awaitable<void>
}

/** Link → owner, remembered: a link never changes owner and ids are never reused. */
export class LinkOwners {
  readonly #known = new Map<number, number>()

  async of(store: RollupStore, linkIds: Iterable<number>): Promise<Map<number, number>> {
    const missing = [...new Set(linkIds)].filter((id) => !this.#known.has(id))
    if (missing.length > 0) for (const r of await store.owners(missing)) this.#known.set(Number(r.id), Number(r.user_id))
    return this.#known
  }
}

/** A batch's merges and reassignments, in the order the engine made them, as both writers carry them. */
export type ClusterMove = [kind: Level, from: string, to: string, at: number] | [kind: 'reassign', key: string, browser: string, device: string, at: number]

export function movesOf(records: readonly ClickRecord[]): ClusterMove[] {
  const moves: ClusterMove[] = []
  for (const r of records) {
    for (const m of r.merges ?? []) moves.push([m.level, m.absorbed, m.into, r.click.ts])
    for (const a of r.reassignments ?? []) moves.push(['reassign', a.fingerprintId, a.browserClusterId, a.deviceClusterId, r.click.ts])
  }
  return moves
}

/** The clusters the batch's merges and reassignments touch; `rootsBefore` are the reassigned contexts' clusters read before the batch moved them. */
export function affectedByMoves(moves: readonly ClusterMove[], rootsBefore: ReadonlyMap<string, { browser: string; device: string }>): AffectedClusters {
  const out: AffectedClusters = { browser: new Set(), device: new Set() }
  for (const move of moves) {
    if (move[0] !== 'reassign') {
      out[move[0]].add(move[1]).add(move[2])
      continue
    }
    out.browser.add(move[2])
    out.device.add(move[3])
    const before = rootsBefore.get(move[1])
    if (before) {
      out.browser.add(before.browser)
      out.device.add(before.device)
    }
  }
  return out
}

/**
 * A known context the engine absorbed as the younger side of a union moves to the other
 * cluster through its rewritten correlation row, with no merge row (resolve-identity.ts):
 * when its stored clusters change, both the cluster it left and the one it joined are
 * recounted like a merge's. Without this, its earlier clicks kept the flag of the cluster
 * it left and the one it joined could claim a second — but only when the absorption came
 * in a later batch than those clicks, so the counts depended on batch boundaries.
 * `storedBefore` are the rewritten contexts' clusters read before the batch wrote them.
 */
export async function addRewrittenContexts(store: RollupStore, storedBefore: ReadonlyMap<string, { browser: string; device: string }>, affected: AffectedClusters): Promise<void> {
  if (storedBefore.size === 0) return
  const now = await clustersOf(store, storedBefore.keys())
  for (const [key, before] of storedBefore) {
    const after = now.get(key)
    for (const level of LEVELS) {
      if (after === undefined || after[level] === before[level]) continue
      affected[level].add(before[level]).add(after[level])
    }
  }
}

/** The clusters fingerprint_correlations places these contexts in now. */
export async function clustersOf(store: RollupStore, fingerprintIds: Iterable<string>): Promise<Map<string, { browser: string; device: string }>> {
  const out = new Map<string, { browser: string; device: string }>()
  const ids = [...new Set(fingerprintIds)]
  if (ids.length === 0) return out
  for (const r of await store.clusters(ids)) out.set(r.fingerprint_id, { browser: r.browser_cluster_id, device: r.device_cluster_id })
  return out
}

/**
 * Sets each human click's browser_unique and device_unique before it is inserted: 1 when
 * its cluster (as the view unified_click_analytics finds it: the context's correlation,
 * else the click's own id) has no human click on the link yet, and records that it now
 * has. Clicks of affected clusters get 0 here; recountClusters settles them once the
 * batch's clicks are in.
 */
export async function flagUniqueClicks(store: RollupStore, clicks: BatchClick[], affected: AffectedClusters): Promise<void> {
  const humans = clicks.filter((c) => Number(c.is_bot) === 0)
  for (const c of clicks) c.browser_unique = c.device_unique = 0
  if (humans.length === 0) return
  const placed = await clustersOf(store, humans.flatMap((c) => (c.fingerprint_id === null ? [] : [c.fingerprint_id])))
  for (const level of LEVELS) {
    // The batch's first click of each (link, cluster): the clicks are in time order.
    const candidates = new Map<string, BatchClick>()
    const rows: Array<{ cluster_id: string; link_id: number }> = []
    for (const c of humans) {
      const cluster = (c.fingerprint_id !== null ? placed.get(c.fingerprint_id)?.[level] : undefined) ?? (level === 'browser' ? c.browser_id : c.device_id)
      if (cluster === null || affected[level].has(cluster)) continue
      const key = `${Number(c.link_id)}\u0000${cluster}`
      if (candidates.has(key)) continue
      candidates.set(key, c)
      rows.push({ cluster_id: cluster, link_id: Number(c.link_id) })
    }
    if (rows.length === 0) continue
    for (const r of await store.claimVisitors(level, rows)) {
      const c = candidates.get(`${Number(r.link_id)}\u0000${r.cluster_id}`)!
      if (level === 'browser') c.browser_unique = 1
      else c.device_unique = 1
    }
  }
}

/**
 * Recounts the unique clicks of these clusters from their clicks (through
 * fingerprint_correlations): on each link, the first human click (by time, then id) of a
 * cluster carries its flag. Flags that change are rewritten and their rollups adjusted;
 * link_visitors is rewritten to match. Merges, reassignments, reclassifications and
 * deletions all end here, so a count is right however the clusters moved.
 */
export async function recountClusters(store: RollupStore, level: Level, clusters: Iterable<string>, deltas: RollupDeltas, owners: LinkOwners): Promise<void> {
  const flag = level === 'browser' ? 'browser_unique' : 'device_unique'
  const all = [...new Set(clusters)]
  if (all.length === 0) return
  const rows = await store.clusterClicks(level, all)
  const first = new Map<string, (typeof rows)[number]>()
  for (const r of rows) {
    const key = `${Number(r.link_id)}\u0000${r.cluster}`
    const best = first.get(key)
    if (!best || Number(r.ts) < Number(best.ts) || (Number(r.ts) === Number(best.ts) && Number(r.id) < Number(best.id))) first.set(key, r)
  }
  const winners = new Set([...first.values()].map((r) => Number(r.id)))
  const on: number[] = []
  const off: number[] = []
  const ownerOf = await owners.of(store, rows.map((r) => Number(r.link_id)))
  for (const r of rows) {
    const want = winners.has(Number(r.id)) ? 1 : 0
    if (Number(r[flag] ?? 0) === want) continue
    ;(want ? on : off).push(Number(r.id))
    deltas.addUnique(r, ownerOf.get(Number(r.link_id)), level, want ? 1 : -1)
  }
  if (on.length > 0) await store.setUnique(level, on, 1)
  if (off.length > 0) await store.setUnique(level, off, 0)
  await store.dropVisitors(level, all)
  const visitors = [...first.values()].map((r) => ({ level, cluster_id: String(r.cluster), link_id: Number(r.link_id) }))
  if (visitors.length > 0) await store.addVisitors(visitors)
}

/** Writes summed changes into click_rollups and account_rollups. */
export async function applyRollupDeltas(store: RollupStore, deltas: RollupDeltas): Promise<void> {
  const rows = deltas.rows().filter((r) => r.clicks !== 0 || r.browser_uniques !== 0 || r.device_uniques !== 0 || r.bot_clicks !== 0 || r.confidence_count !== 0)
  if (rows.length > 0) await store.addToRollups(rows)
}

/**
 * A batch's rollups, in its writer's transaction: `insert` writes the contexts and merges
 * (before) and the clicks (given them with their flags); the rollups follow from both.
 * `rewritten` are the contexts whose correlation rows the batch writes.
 */
export async function writeBatchWithRollups(
  store: RollupStore,
  moves: readonly ClusterMove[],
  clicks: BatchClick[],
  owners: LinkOwners,
  steps: { identity: () => Promise<void> | void; clicks: () => Promise<void> | void },
  rewritten: readonly string[] = [],
): Promise<void> {
  const reassigned = moves.flatMap((m) => (m[0] === 'reassign' ? [m[1]] : []))
  const rootsBefore = await clustersOf(store, reassigned)
  const storedBefore = await clustersOf(store, rewritten)
  await steps.identity()
  const affected = affectedByMoves(moves, rootsBefore)
  await addRewrittenContexts(store, storedBefore, affected)
  await flagUniqueClicks(store, clicks, affected)
  await steps.clicks()
  const deltas = new RollupDeltas()
  const ownerOf = await owners.of(store, clicks.map((c) => Number(c.link_id)))
  for (const c of clicks) deltas.addClick(c, ownerOf.get(Number(c.link_id)), 1)
  for (const level of LEVELS) if (affected[level].size > 0) await recountClusters(store, level, affected[level], deltas, owners)
  await applyRollupDeltas(store, deltas)
}
