import type { IdentityRepository } from '../storage/identity-repository.js'
import type { StoredContext } from '../storage/identity-storage.js'

/** What the reload reads. */
type IdentityStorage = Pick<IdentityRepository, 'lastClickId' | 'lastClickTs' | 'firstClickIdFrom' | 'memberships' | 'edges' | 'latestContexts' | 'contextSightings' | 'clickedClusters'>
/** What replaying the clicks after a snapshot reads. */
export type IdentityTailStorage = Pick<IdentityRepository, 'contextSightings' | 'clickedClusters' | 'edgesOfKeys'>
import { hintsOf } from '../decisions/stored-click-signals.js'
import { parseUserAgent } from '../signals/user-agent.js'
import { specificModel } from './correlation-rules.js'
import type { FingerprintEntity } from './fingerprint-entity.js'
import type { IdentityState, StateEdge } from './identity-state.js'

const DAY = 86_400_000

export interface IdentityStateLoadOptions {
  /**
   * Clicks this recent (before the last one) are replayed into the state one by one, as
   * they happened: the address and prefix indexes, the crowd counts and the SDK-hash
   * bookkeeping then come back exactly. Older history comes back as one sighting per
   * context, its last. Address evidence is worth a quarter after two days (correlation
   * rules); 3 days by default.
   */
  readonly sightingWindowMs?: number
  /** Contexts last seen before the sighting window are loaded up to this many, the most recent (500 000: the state's own default size). */
  readonly maxContexts?: number
  /** How far back contexts and "already clicked" links are looked for (90 days). Older ones are forgotten, as if evicted. */
  readonly lookbackMs?: number
  /** Rows per read (5 000). */
  readonly pageSize?: number
  /** Load the state as it stood after this click (the migration job's cursor); by default after the last click. */
  readonly upToClickId?: number
}

export interface IdentityStateLoad {
  /** The last click the state reflects (0: none). */
  readonly upToClickId: number
  readonly memberships: number
  readonly contexts: number
  readonly sightings: number
  readonly clicked: number
  /** Merge evidence given back (provisional merges whose SDK hash proved shared since are not: the engine withdrew them). */
  readonly edges: number
  readonly ms: number
  /** The click a snapshot the state started from reflected (only the clicks after it were replayed); null: loaded from the database alone. */
  readonly snapshotClickId: number | null
}

/**
 * Rebuilds the identity engine's working state from storage after a restart, so that the
 * decisions after it are the ones the process would have made had it kept running:
 *
 * 1. clusters — every context that is not its own root, with its root and the root's
 *    first sighting (it decides which root survives a later union), from
 *    fingerprint_correlations. All of them: a returning context must find its cluster
 *    however long ago it merged.
 * 2. contexts — the most recent `maxContexts` contexts last seen before the sighting
 *    window, each at its last click (address, prefix, time, session hash) with its
 *    fingerprint and placement (enhanced_fingerprints, kept current by the click writer).
 * 3. sightings — every resolved click of the sighting window, in id order, put as it
 *    happened, so whatever the state derives from the order of its puts is rebuilt by
 *    its own code.
 * 4. clicked — the (link, cluster) pairs of the lookback, so a returning visitor is not
 *    unique again. Where a withdrawn merge split a cluster, the engine's own marks stay
 *    with the root they were on and the reload's follow the click's cluster then: the
 *    one place a decision may differ (a unique flag, never a count).
 *
 * `linkedFrom` comes back as the context's last address: the engine only re-links a
 * context that is alone in its device cluster, and such a context was linked from every
 * address it moved to. What is older than the lookback, or beyond `maxContexts`, is
 * gone as an eviction would have removed it. Returns what was loaded and how long it took.
 */
export async function loadIdentityState(storage: IdentityStorage, state: IdentityState, options: IdentityStateLoadOptions = {}): Promise<IdentityStateLoad> {
  const started = performance.now()
  const page = options.pageSize ?? 5_000
  const last = options.upToClickId ?? (await storage.lastClickId())
  const summary = { upToClickId: last, memberships: 0, contexts: 0, sightings: 0, clicked: 0, edges: 0, ms: 0, snapshotClickId: null }

  for (let after = ''; ; ) {
    const rows = await storage.memberships(after, page)
    for (const m of rows) {
      state.restoreMembership('browser', m.key, m.browserRoot, m.browserRootFirstSeen)
      state.restoreMembership('device', m.key, m.deviceRoot, m.deviceRootFirstSeen)
    }
    summary.memberships += rows.length
    if (rows.length < page) break
    after = rows.at(-1)!.key
  }
  if (last === 0) return { ...summary, ms: performance.now() - started }

  // The loader's "now": the time of the last click it reflects (a replay's clock, or the last redirect's).
  const lastTs = (await storage.lastClickTs(last)) ?? 0
  const windowStart = await storage.firstClickIdFrom(lastTs - (options.sightingWindowMs ?? 3 * DAY), last)
  const lookbackStart = await storage.firstClickIdFrom(lastTs - (options.lookbackMs ?? 90 * DAY), last)

  const entityOf = contextHistory(state)
  for (const context of await storage.latestContexts(lookbackStart, windowStart, options.maxContexts ?? 500_000)) {
    state.put(entityOf(context))
    summary.contexts++
  }
  for (let after = windowStart - 1; ; ) {
    const rows = await storage.contextSightings(after, last, page)
    for (const sighting of rows) state.put(entityOf(sighting))
    summary.sightings += rows.length
    if (rows.length < page) break
    after = rows.at(-1)!.clickId
  }
  // Marked where the engine marked them, the cluster of the click's time, and found from
  // there as unions carried the mark along; a merge withdrawn later does not carry it back.
  for (const c of await storage.clickedClusters(lookbackStart, last)) {
    state.markClicked('browser', state.find('browser', c.browserThen ?? c.browserRoot), c.linkId)
    state.markClicked('device', state.find('device', c.deviceThen ?? c.deviceRoot), c.linkId)
    summary.clicked++
  }
  summary.edges = await restoreEdges(storage, state, page)
  return { ...summary, ms: performance.now() - started }
}

/**
 * The clicks after a snapshot, given back to the state the snapshot restored, so it stands
 * as the process left it after `upToClickId` — what the full load does for its sighting
 * window, over the tail only:
 *
 * - each click's context is put as it stood then, in id order (the indexes, the crowd
 *   counts and the SDK-hash bookkeeping learn it by their own code, and withdraw a merge
 *   whose hash proves shared as they did);
 * - before a context's first click of the tail, the merge evidence storage holds for it
 *   and the state does not yet is given back through union(), as the engine united it
 *   before putting it; evidence resting on a hash already proven shared was withdrawn;
 * - the (link, cluster) marks of the tail, as the full load marks them.
 *
 * Clusters the tail's withdrawals rebuilt are already stored so: they are not handed to
 * the engine again.
 */
export async function replayTail(storage: IdentityTailStorage, state: IdentityState, afterClickId: number, upToClickId: number, pageSize = 5_000): Promise<{ sightings: number; clicked: number; edges: number }> {
  const summary = { sightings: 0, clicked: 0, edges: 0 }
  const entityOf = contextHistory(state)
  const seen = new Set<string>()
  for (let after = afterClickId; ; ) {
    const rows = await storage.contextSightings(after, upToClickId, pageSize)
    const fresh = [...new Set(rows.map((r) => r.key).filter((key) => !seen.has(key)))]
    const stored = fresh.length > 0 ? await storage.edgesOfKeys(fresh) : new Map<string, StateEdge[]>()
    for (const sighting of rows) {
      if (!seen.has(sighting.key)) {
        seen.add(sighting.key)
        summary.edges += giveBackEdges(state, sighting.key, stored.get(sighting.key) ?? [])
      }
      state.put(entityOf(sighting))
    }
    summary.sightings += rows.length
    if (rows.length < pageSize) break
    after = rows.at(-1)!.clickId
  }
  for (const c of await storage.clickedClusters(afterClickId + 1, upToClickId)) {
    state.markClicked('browser', state.find('browser', c.browserThen ?? c.browserRoot), c.linkId)
    state.markClicked('device', state.find('device', c.deviceThen ?? c.deviceRoot), c.linkId)
    summary.clicked++
  }
  state.takeWithdrawn()
  return summary
}

/** The stored edges of `key` the state lacks (each counted once per copy), given back through union(); how many. */
function giveBackEdges(state: IdentityState, key: string, stored: readonly StateEdge[]): number {
  if (stored.length === 0) return 0
  const known = [...state.edgesOf(key)]
  let given = 0
  for (const e of stored) {
    const i = known.findIndex((k) => k.other === e.other && k.level === e.level && k.provisionalOn === e.provisionalOn)
    if (i !== -1) {
      known.splice(i, 1)
      continue
    }
    if (e.provisionalOn !== null && (state.sdkDeviceAmbiguous(e.provisionalOn) || state.sdkBrowserAmbiguous(e.provisionalOn))) continue
    state.union(e.level, key, e.other, e.provisionalOn ?? undefined)
    given++
  }
  return given
}

/**
 * What the engine accumulates per context over its clicks, which a stored click alone does
 * not say: since when it has had its geo (the stability rule lets an old answer go after a
 * week) and its last addresses. Starts from what the state already holds of a context (a
 * snapshot's), else from its first click replayed.
 */
function contextHistory(state: IdentityState): (c: StoredContext) => FingerprintEntity {
  const history = new Map<string, { geo: string; since: number; addresses: Array<[string, number]> }>()
  return (c) => {
    const geo = JSON.stringify(c.geo)
    let h = history.get(c.key)
    if (!h) {
      const known = state.get(c.key)
      h = known
        ? { geo: JSON.stringify(known.geo), since: known.geoSince, addresses: (known.addresses ?? []).map(([ip, ts]): [string, number] => [ip, ts]) }
        : { geo, since: c.lastSeen, addresses: [] }
      history.set(c.key, h)
    }
    if (h.geo !== geo) {
      h.geo = geo
      h.since = c.lastSeen
    }
    rememberAddress(h.addresses, c.ipHash, c.lastSeen)
    return toEntity(c, h.since, h.addresses.map(([ip, ts]) => [ip, ts]))
  }
}

/**
 * The merge evidence, given back through union() once the clusters and the sightings are
 * in: the clusters are already one (the union finds one root and only records the edge),
 * and the SDK-hash bookkeeping already knows which hashes proved shared — evidence resting
 * on one of those was withdrawn by the engine before the restart, so it is left out.
 * Both ends store an edge made between two stored contexts; it is given back once.
 */
async function restoreEdges(storage: IdentityStorage, state: IdentityState, page: number): Promise<number> {
  const seen = new Set<string>()
  let restored = 0
  for (let after = ''; ; ) {
    const rows = await storage.edges(after, page)
    for (const { key, edges } of rows) {
      for (const e of edges) {
        const [a, b] = key < e.other ? [key, e.other] : [e.other, key]
        const id = `${a}\u0000${b}\u0000${e.level}\u0000${e.provisionalOn ?? ''}`
        if (seen.has(id)) continue
        seen.add(id)
        if (e.provisionalOn !== null && (state.sdkDeviceAmbiguous(e.provisionalOn) || state.sdkBrowserAmbiguous(e.provisionalOn))) continue
        // Evidence between contexts storage holds in different clusters would merge them in memory only: not given back.
        if (state.find(e.level, key) !== state.find(e.level, e.other)) continue
        state.union(e.level, key, e.other, e.provisionalOn ?? undefined)
        restored++
      }
    }
    if (rows.length < page) break
    after = rows.at(-1)!.key
  }
  return restored
}

/** The engine's own rule for a context's last addresses (identity-engine.ts): newest first, each once, six at most. */
const MAX_ADDRESSES = 6
function rememberAddress(list: Array<[string, number]>, ipHash: string, ts: number): void {
  const i = list.findIndex(([ip]) => ip === ipHash)
  if (i !== -1) list.splice(i, 1)
  list.unshift([ipHash, ts])
  if (list.length > MAX_ADDRESSES) list.length = MAX_ADDRESSES
}

function toEntity(c: StoredContext, geoSince: number, addresses: Array<[string, number]>): FingerprintEntity {
  // Spread, so the entity takes these fields only while FingerprintEntity has them.
  // As the engine keeps them from the click: its language, and the model its user agent names.
  const accumulated = { geo: c.geo, geoSince, addresses, language: c.language, model: specificModel(parseUserAgent(c.userAgent ?? '', hintsOf(c.hints ?? undefined)).device.model) }
  return {
    ...accumulated,
    key: c.key,
    firstSeen: c.firstSeen,
    lastSeen: c.lastSeen,
    deviceHash: c.deviceHash,
    browserHash: c.browserHash,
    primaryHash: c.primaryHash,
    sessionHash: c.sessionHash,
    sdkDevice: c.sdkDevice,
    sdkBrowser: c.sdkBrowser,
    browserName: c.browserName,
    osName: c.osName,
    deviceType: c.deviceType,
    ipHash: c.ipHash,
    prefixHash: c.prefixHash,
    confidence: c.confidence,
    correlationType: c.correlationType,
    factors: c.factors,
    linkedFrom: c.ipHash,
  }
}
