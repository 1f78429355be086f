import type { ClusterLevel, FingerprintEntity } from './fingerprint-entity.js'
import type { IdentityState, StateEdge } from './identity-state.js'
import { OldestFirst } from '../signals/oldest-first.js'
import { SightingIndex, type Sighting } from './sighting-index.js'

export interface MemoryIdentityStateOptions {
  /** Most entities kept; the least recently seen leave first (their clusters stay). */
  readonly maxEntities?: number
  /** Most entries per address, prefix or SDK hash index. */
  readonly maxPerIndex?: number
}

/**
 * Two contexts with one SDK device hash on two networks within this long are taken to be
 * two devices. Deliberately long: a phone also changes networks within minutes (Wi-Fi to
 * cellular), and calling one device two costs only a missed merge, while calling two
 * devices one miscounts visitors.
 */
const SIMULTANEITY_MS = 12 * 3_600_000
const MAX_CONTEXTS_PER_DEVICE = 12
const MAX_EDGES_PER_CONTEXT = 64
/** Private windows come one or two at a time; four fresh contexts within minutes are several devices. */
const MAX_NEW_CONTEXTS_AT_ONCE = 4
/**
 * New storage contexts (cookie jars) are born where a device is used: a cleared or
 * purged jar, a private window, another browser. One device is used in a few places;
 * a hash whose new contexts keep appearing on this many networks belongs to a kind of
 * device (a popular model with default settings), not to one.
 */
const MAX_BIRTH_NETWORKS = 3

interface Edge {
  other: string
  level: ClusterLevel
  provisionalOn: string | null
}

interface SdkHashInfo {
  keys: Set<string>
  recent: Sighting[]
  prefixes: string[]
  /** Networks (prefix hashes) on which new contexts with the hash were first seen, up to MAX_BIRTH_NETWORKS. */
  births: string[]
  ambiguous: boolean
}

/**
 * The single-process IdentityState: Maps, bounded by maxEntities and maxPerIndex. Index
 * entries of evicted entities are skipped when read rather than hunted down on eviction.
 */
export class MemoryIdentityState implements IdentityState {
  readonly #entities = new Map<string, FingerprintEntity>()
  readonly #oldestEntity = new OldestFirst(this.#entities)
  readonly #parent: Record<ClusterLevel, Map<string, string>> = { browser: new Map(), device: new Map() }
  readonly #size: Record<ClusterLevel, Map<string, number>> = { browser: new Map(), device: new Map() }
  readonly #firstSeen = new Map<string, number>()
  /** Links each cluster has clicked: one link id as it is (most visitors follow one link), a Set from the second on. */
  readonly #clicked: Record<ClusterLevel, Map<string, number | Set<number>>> = { browser: new Map(), device: new Map() }
  readonly #byAddress: SightingIndex
  readonly #byPrefix: SightingIndex
  readonly #bySdkDevice: SightingIndex
  readonly #bySdkBrowser: SightingIndex
  readonly #maxEntities: number
  /** Cluster bookkeeping size that triggers the next sweep. */
  #sweepAt: number
  /** The evidence behind every merge, so a cluster can be rebuilt without a withdrawn one. */
  readonly #edges = new Map<string, Edge[]>()
  /** Storage contexts joined by merges that rest on an SDK hash alone. */
  readonly #provisional = new Map<string, Set<string>>()
  #withdrawn: Array<{ key: string; browserRoot: string; deviceRoot: string }> = []
  readonly #sdkHashes = new Map<string, SdkHashInfo>()
  readonly #oldestSdkHash = new OldestFirst(this.#sdkHashes)

  constructor(options: MemoryIdentityStateOptions = {}) {
    this.#maxEntities = options.maxEntities ?? 500_000
    this.#sweepAt = 2 * this.#maxEntities
    const perIndex = options.maxPerIndex ?? 256
    const indexKeys = this.#maxEntities * 2
    this.#byAddress = new SightingIndex(perIndex, indexKeys)
    this.#byPrefix = new SightingIndex(perIndex, indexKeys)
    this.#bySdkDevice = new SightingIndex(perIndex, indexKeys)
    this.#bySdkBrowser = new SightingIndex(perIndex, indexKeys)
  }

  get(key: string): FingerprintEntity | undefined {
    return this.#entities.get(key)
  }

  put(entity: FingerprintEntity): void {
    const known = this.#entities.has(entity.key)
    this.#entities.delete(entity.key)
    this.#entities.set(entity.key, entity)
    if (!known) {
      this.#firstSeen.set(entity.key, entity.firstSeen)
      if (this.#entities.size > this.#maxEntities) this.#forget(this.#oldestEntity.evict()!)
    }
    this.#byAddress.add(entity.ipHash, entity.key, entity.lastSeen, !known)
    this.#byPrefix.add(entity.prefixHash, entity.key, entity.lastSeen, !known)
    if (entity.sdkDevice) {
      this.#bySdkDevice.add(entity.sdkDevice, entity.key, entity.lastSeen, !known)
      this.#observeSdkHash(entity)
    }
    if (entity.sdkBrowser) this.#bySdkBrowser.add(entity.sdkBrowser, entity.key, entity.lastSeen, !known)
  }

  /**
   * The least recently seen context has left #entities. Never merged (no parent, no cluster of its
   * own), nothing refers to it: its bookkeeping goes with it, so a flood of one-time
   * visitors costs no memory once they are out. Merged ones stay until the cluster
   * bookkeeping outgrows the entities, then one sweep keeps only what live contexts'
   * clusters need.
   */
  #forget(key: string): void {
    const { browser, device } = this.#parent
    if (!browser.has(key) && !device.has(key) && !this.#size.browser.has(key) && !this.#size.device.has(key)) {
      this.#firstSeen.delete(key)
      this.#clicked.browser.delete(key)
      this.#clicked.device.delete(key)
      this.#edges.delete(key)
    }
    if (this.#firstSeen.size > this.#sweepAt) this.#sweep()
  }

  erase(keys: Iterable<string>): void {
    for (const key of keys) {
      const entity = this.#entities.get(key)
      if (!entity) continue
      this.#entities.delete(key)
      if (entity.sdkDevice) this.#eraseSdkSighting(entity.sdkDevice, key)
      this.#forget(key)
    }
  }

  /**
   * A full walk (some milliseconds at 500 000 contexts, once per retention run): entities
   * are in the order they were last put, which a restart's reload does not keep in time
   * order, so the walk cannot stop at the first context still within the period.
   */
  expire(before: number): void {
    const due: string[] = []
    for (const entity of this.#entities.values()) if (entity.lastSeen < before) due.push(entity.key)
    this.erase(due)
  }

  /** What the hash's bookkeeping learnt from an erased context goes with it; what other contexts showed stays. */
  #eraseSdkSighting(hash: string, key: string): void {
    const info = this.#sdkHashes.get(hash)
    if (!info) return
    info.keys.delete(key)
    if (info.keys.size === 0) {
      this.#sdkHashes.delete(hash)
      return
    }
    for (let i = info.recent.length - 1; i >= 0; i--) {
      if (info.recent[i]!.key !== key) continue
      info.recent.splice(i, 1)
      info.prefixes.splice(i, 1)
    }
  }

  #sweep(): void {
    // find() compresses paths: afterwards every live context points straight at its root.
    const keep = new Set<string>()
    for (const key of this.#entities.keys()) keep.add(key).add(this.find('browser', key)).add(this.find('device', key))
    const drop = <V>(map: Map<string, V>) => {
      for (const key of map.keys()) if (!keep.has(key)) map.delete(key)
    }
    for (const level of ['browser', 'device'] as const) {
      drop(this.#parent[level])
      drop(this.#size[level])
      drop(this.#clicked[level])
    }
    drop(this.#firstSeen)
    drop(this.#edges)
    for (const [hash, keys] of this.#provisional) {
      for (const key of keys) if (!keep.has(key)) keys.delete(key)
      if (keys.size === 0) this.#provisional.delete(hash)
    }
    // Live clusters may need more than twice the entities (roots that left): sweep again only once that much has been added.
    this.#sweepAt = Math.max(2 * this.#maxEntities, 2 * this.#firstSeen.size)
  }

  /** How many contexts the cluster bookkeeping remembers (live ones and those their clusters need). */
  get remembered(): number {
    return this.#firstSeen.size
  }

  find(level: ClusterLevel, key: string): string {
    const parent = this.#parent[level]
    let root = key
    for (let next = parent.get(root); next !== undefined && next !== root; next = parent.get(root)) root = next
    // Path compression: later finds of this key are one step.
    for (let node = key, next = parent.get(node); next !== undefined && next !== root; node = next, next = parent.get(node)) parent.set(node, root)
    return root
  }

  union(level: ClusterLevel, a: string, b: string, provisionalOn?: string): [string, string] | null {
    this.#addEdge(a, { other: b, level, provisionalOn: provisionalOn ?? null })
    this.#addEdge(b, { other: a, level, provisionalOn: provisionalOn ?? null })
    if (provisionalOn) {
      let keys = this.#provisional.get(provisionalOn)
      if (!keys) this.#provisional.set(provisionalOn, (keys = new Set()))
      keys.add(a).add(b)
    }
    const ra = this.find(level, a)
    const rb = this.find(level, b)
    if (ra === rb) return null
    const [absorbed, survivor] = (this.#firstSeen.get(ra) ?? Infinity) <= (this.#firstSeen.get(rb) ?? Infinity) ? [rb, ra] : [ra, rb]
    this.#parent[level].set(absorbed, survivor)
    const sizes = this.#size[level]
    sizes.set(survivor, (sizes.get(survivor) ?? 1) + (sizes.get(absorbed) ?? 1))
    sizes.delete(absorbed)
    const clicked = this.#clicked[level]
    const from = clicked.get(absorbed)
    if (from !== undefined) {
      if (!clicked.has(survivor)) clicked.set(survivor, from)
      else if (typeof from === 'number') this.markClicked(level, survivor, from)
      else for (const link of from) this.markClicked(level, survivor, link)
      clicked.delete(absorbed)
    }
    return [absorbed, survivor]
  }

  #addEdge(key: string, edge: Edge): void {
    let edges = this.#edges.get(key)
    if (!edges) this.#edges.set(key, (edges = []))
    if (edges.length < MAX_EDGES_PER_CONTEXT) edges.push(edge)
  }

  takeWithdrawn() {
    const out = this.#withdrawn
    this.#withdrawn = []
    return out
  }

  /**
   * Withdraws every merge that rested on `hash` alone and rebuilds the clusters it had
   * joined from the evidence that remains; the oldest context of each part is its root.
   */
  #withdraw(hash: string): void {
    const keys = this.#provisional.get(hash)
    this.#provisional.delete(hash)
    if (!keys) return
    for (const key of keys) {
      const edges = this.#edges.get(key)
      if (edges) this.#edges.set(key, edges.filter((e) => e.provisionalOn !== hash))
    }
    // Every context the withdrawn merges had joined, through the evidence that is left
    // (clusters only ever grow by recorded edges, so the edges reach all of them).
    const component = new Set<string>()
    const stack = [...keys].flatMap((key) => [key, this.find('device', key)])
    while (stack.length > 0) {
      const key = stack.pop()!
      if (component.has(key)) continue
      component.add(key)
      for (const e of this.#edges.get(key) ?? []) if (!component.has(e.other)) stack.push(e.other)
    }
    const byAge = [...component].sort((x, y) => (this.#firstSeen.get(x) ?? Infinity) - (this.#firstSeen.get(y) ?? Infinity))
    const roots: Record<ClusterLevel, Map<string, string>> = { browser: new Map(), device: new Map() }
    for (const level of ['device', 'browser'] as const) {
      for (const start of byAge) {
        if (roots[level].has(start)) continue
        const todo = [start]
        while (todo.length > 0) {
          const key = todo.pop()!
          if (roots[level].has(key)) continue
          roots[level].set(key, start)
          for (const e of this.#edges.get(key) ?? []) if ((level === 'device' || e.level === 'browser') && component.has(e.other)) todo.push(e.other)
        }
      }
      const parent = this.#parent[level]
      const sizes = this.#size[level]
      for (const key of component) {
        const root = roots[level].get(key)!
        if (root === key) parent.delete(key)
        else parent.set(key, root)
        sizes.delete(key)
      }
      for (const root of roots[level].values()) sizes.set(root, (sizes.get(root) ?? 0) + 1)
    }
    for (const key of component) this.#withdrawn.push({ key, browserRoot: roots.browser.get(key)!, deviceRoot: roots.device.get(key)! })
  }

  clusterSize(level: ClusterLevel, key: string): number {
    return this.#size[level].get(this.find(level, key)) ?? 1
  }

  *#entitiesOf(sightings: Iterable<Sighting>): Iterable<FingerprintEntity> {
    for (const s of sightings) {
      const entity = this.#entities.get(s.key)
      if (entity) yield entity
    }
  }

  onAddress(ipHash: string) {
    return this.#entitiesOf(this.#byAddress.recent(ipHash))
  }

  onPrefix(prefixHash: string) {
    return this.#entitiesOf(this.#byPrefix.recent(prefixHash))
  }

  withSdkDevice(hash: string) {
    return this.#entitiesOf(this.#bySdkDevice.recent(hash))
  }

  withSdkBrowser(hash: string) {
    return this.#entitiesOf(this.#bySdkBrowser.recent(hash))
  }

  contextsOnAddress(ipHash: string, since: number, atMost = Infinity): number {
    let n = 0
    for (const s of this.#byAddress.recent(ipHash)) {
      if (s.ts < since || n >= atMost) break
      n++
    }
    return n
  }

  sdkDeviceAmbiguous(hash: string): boolean {
    return this.#sdkHashes.get(hash)?.ambiguous ?? false
  }

  /**
   * Two storage contexts showing the same SDK device hash from different networks within
   * SIMULTANEITY_MS are taken as two devices, and the hash (a popular model with default
   * settings) proves nothing from then on: the merges that rested on it are withdrawn. So
   * does a hash carried by more storage contexts than one device plausibly has, in all or
   * within minutes (identical laptops of one office image behind one address), or whose
   * new contexts have appeared on MAX_BIRTH_NETWORKS networks (a popular model with
   * default settings, clicking from many homes).
   */
  #observeSdkHash(entity: FingerprintEntity): void {
    const hash = entity.sdkDevice!
    let info = this.#sdkHashes.get(hash)
    if (!info) {
      info = { keys: new Set(), recent: [], prefixes: [], births: [], ambiguous: false }
      this.#sdkHashes.set(hash, info)
      if (this.#sdkHashes.size > this.#maxEntities) this.#oldestSdkHash.evict()
    }
    if (info.ambiguous) return
    const wasAmbiguous = info.ambiguous
    this.#updateAmbiguity(info, entity)
    if (!wasAmbiguous && info.ambiguous) this.#withdraw(hash)
  }

  #updateAmbiguity(info: SdkHashInfo, entity: FingerprintEntity): void {
    // A context is born to the hash where it first shows it (usually its first click; later when the SDK ran late).
    if (!info.keys.has(entity.key) && !info.births.includes(entity.prefixHash)) {
      info.births.push(entity.prefixHash)
      if (info.births.length >= MAX_BIRTH_NETWORKS) info.ambiguous = true
    }
    if (info.keys.size < MAX_CONTEXTS_PER_DEVICE) info.keys.add(entity.key)
    else if (!info.keys.has(entity.key)) info.ambiguous = true
    const burst = new Set([entity.key])
    for (let i = 0; i < info.recent.length; i++) {
      const other = info.recent[i]!
      if (other.key === entity.key || Math.abs(entity.lastSeen - other.ts) >= SIMULTANEITY_MS) continue
      if (info.prefixes[i] !== entity.prefixHash) info.ambiguous = true
      burst.add(other.key)
    }
    if (burst.size >= MAX_NEW_CONTEXTS_AT_ONCE) info.ambiguous = true
    info.recent.unshift({ key: entity.key, ts: entity.lastSeen })
    info.prefixes.unshift(entity.prefixHash)
    if (info.recent.length > 8) {
      info.recent.length = 8
      info.prefixes.length = 8
    }
  }

  hasClicked(level: ClusterLevel, root: string, linkId: number): boolean {
    const links = this.#clicked[level].get(root)
    return links === linkId || (typeof links === 'object' && links.has(linkId))
  }

  markClicked(level: ClusterLevel, root: string, linkId: number): void {
    const clicked = this.#clicked[level]
    const links = clicked.get(root)
    if (links === undefined) clicked.set(root, linkId)
    else if (typeof links === 'number') {
      if (links !== linkId) clicked.set(root, new Set([links, linkId]))
    } else links.add(linkId)
  }

  edgesOf(key: string): readonly StateEdge[] {
    return this.#edges.get(key) ?? []
  }

  restoreMembership(level: ClusterLevel, key: string, root: string, rootFirstSeen: number): void {
    if (!this.#firstSeen.has(root)) this.#firstSeen.set(root, rootFirstSeen)
    const parent = this.#parent[level]
    if (key === root || parent.get(key) === root) return
    parent.set(key, root)
    const sizes = this.#size[level]
    sizes.set(root, (sizes.get(root) ?? 1) + 1)
  }
}
