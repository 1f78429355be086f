import type { ClusterLevel, FingerprintEntity } from './fingerprint-entity.js'
import type { IdentityState, StateEdge } from './identity-state.js'
import { emptyEntities, emptyKeys, type ExportableIdentityState, type ExportedSdkHashUse, type IdentityStateExport } from './identity-state-export.js'
import { OldestFirst } from '../signals/oldest-first.js'
import { SDK_HASH_AMBIGUITY, type SdkHashRule, type SdkHashUse } from './sdk-hash-ambiguity.js'
import { SightingIndex } from './sighting-index.js'

export interface MemoryIdentityStateOptions {
  /** Most entities kept; the least recently seen leave first (their clusters stay). */
  readonly maxEntities?: number
  /** Most entries per address, prefix or SDK hash index. */
  readonly maxPerIndex?: number
  /** Decides from each SDK hash's use whether one device carries it (sdk-hash-ambiguity.ts); this state only keeps the records. */
  readonly sdkHashRule?: SdkHashRule
}

const MAX_EDGES_PER_CONTEXT = 64

interface Edge {
  other: string
  level: ClusterLevel
  provisionalOn: string | null
}

/**
 * What the cluster bookkeeping keeps about one key (a storage context, or a cluster root
 * that outlived its context), in one object: a new visitor's click reads or writes it a
 * dozen times (first seen, parent and clicked links at both levels, merge evidence), and
 * with a map per fact, each of half a million keys on a busy service, every one of those
 * was a miss in a different table (~2.5 µs against ~0.7 µs in one).
 */
class Bookkeeping {
  firstSeen: number | undefined = undefined
  /** Links the cluster rooted here has clicked: one link id as it is (most visitors follow one link), a Set from the second on. */
  browserClicked: number | Set<number> | undefined = undefined
  deviceClicked: number | Set<number> | undefined = undefined
  /** Its place in merged clusters, from its first union or reload on: most contexts never merge (32 bytes a context less). */
  merge: Merge | undefined = undefined
}

class Merge {
  browserParent: string | undefined = undefined
  deviceParent: string | undefined = undefined
  /** Members of the cluster this key is the root of; undefined where no union or reload counted them (one). */
  browserSize: number | undefined = undefined
  deviceSize: number | undefined = undefined
  /** The evidence behind every merge this key took part in, so a cluster can be rebuilt without a withdrawn one. */
  edges: Edge[] | undefined = undefined
}

const parentOf = (b: Bookkeeping | undefined, level: ClusterLevel) => {
  const m = b?.merge
  return m === undefined ? undefined : level === 'browser' ? m.browserParent : m.deviceParent
}
const sizeOf = (b: Bookkeeping | undefined, level: ClusterLevel) => {
  const m = b?.merge
  return m === undefined ? undefined : level === 'browser' ? m.browserSize : m.deviceSize
}
const clickedOf = (b: Bookkeeping | undefined, level: ClusterLevel) => (b === undefined ? undefined : level === 'browser' ? b.browserClicked : b.deviceClicked)

function setParent(b: Bookkeeping, level: ClusterLevel, parent: string | undefined): void {
  if (parent === undefined && b.merge === undefined) return
  const m = (b.merge ??= new Merge())
  if (level === 'browser') m.browserParent = parent
  else m.deviceParent = parent
}

function setSize(b: Bookkeeping, level: ClusterLevel, size: number | undefined): void {
  if (size === undefined && b.merge === undefined) return
  const m = (b.merge ??= new Merge())
  if (level === 'browser') m.browserSize = size
  else m.deviceSize = size
}

function setClicked(b: Bookkeeping, level: ClusterLevel, clicked: number | Set<number> | undefined): void {
  if (level === 'browser') b.browserClicked = clicked
  else b.deviceClicked = clicked
}

/**
 * The single-process IdentityState: Maps, bounded by maxEntities and maxPerIndex. Index
 * entries of evicted entities are skipped when read rather than hunted down on eviction.
 */
export class MemoryIdentityState implements IdentityState, ExportableIdentityState {
  readonly #entities = new Map<string, FingerprintEntity>()
  readonly #oldestEntity = new OldestFirst(this.#entities)
  /**
   * The key put last: put again (one browser clicking again and again), it needs no move to
   * the newest end. A delete and a set of the same key made V8 shrink and regrow the table,
   * ~6 % of a repeat click's pipeline (profile of bench/redirect.ts --visitors repeat).
   */
  #newestKey: string | undefined = undefined
  /** The cluster bookkeeping (union-find per level, clicked links, merge evidence) of every key it remembers. */
  readonly #keys = new Map<string, Bookkeeping>()
  /** Keys whose first sighting is known: what `remembered` counts and the sweep is triggered by. */
  #remembered = 0
  readonly #byAddress: SightingIndex
  readonly #byPrefix: SightingIndex
  readonly #bySdkDevice: SightingIndex
  readonly #bySdkBrowser: SightingIndex
  readonly #maxEntities: number
  /** Cluster bookkeeping size that triggers the next sweep. */
  #sweepAt: number
  /** Storage contexts joined by merges that rest on an SDK hash alone. */
  readonly #provisional = new Map<string, Set<string>>()
  #withdrawn: Array<{ key: string; browserRoot: string; deviceRoot: string }> = []
  /** What each SDK device hash, and each SDK browser hash, has shown of its use, as #sdkHashRule records it. */
  readonly #sdkHashRule: SdkHashRule
  readonly #sdkHashes = new Map<string, SdkHashUse>()
  readonly #oldestSdkHash = new OldestFirst(this.#sdkHashes)
  readonly #sdkBrowserHashes = new Map<string, SdkHashUse>()
  readonly #oldestSdkBrowserHash = new OldestFirst(this.#sdkBrowserHashes)
  /** While exportGradually copies the entities: the state of the export's moment of each entity changed or removed since. */
  #frozen: Map<string, FingerprintEntity> | null = null

  constructor(options: MemoryIdentityStateOptions = {}) {
    this.#maxEntities = options.maxEntities ?? 500_000
    this.#sweepAt = 2 * this.#maxEntities
    this.#sdkHashRule = options.sdkHashRule ?? SDK_HASH_AMBIGUITY
    const perIndex = options.maxPerIndex ?? 256
    const indexKeys = this.#maxEntities * 2
    this.#byAddress = new SightingIndex(perIndex, indexKeys)
    this.#byPrefix = new SightingIndex(perIndex, indexKeys)
    this.#bySdkDevice = new SightingIndex(perIndex, indexKeys)
    this.#bySdkBrowser = new SightingIndex(perIndex, indexKeys)
  }

  get(key: string): FingerprintEntity | undefined {
    const entity = this.#entities.get(key)
    // The engine changes what get() returns in place: while an export copies the entities, it gets their state of the export's moment first.
    if (this.#frozen !== null && entity !== undefined) this.#freeze(entity)
    return entity
  }

  put(entity: FingerprintEntity): void {
    // A list of the one address it is at reads the same as none (fingerprint-entity.ts): a reload's or another instance's entity keeps none either.
    const addresses = entity.addresses
    if (addresses !== undefined && addresses.length === 1 && addresses[0]![0] === entity.ipHash && addresses[0]![1] === entity.lastSeen) entity.addresses = undefined
    const known = this.#entities.has(entity.key)
    // Deleted first so that it moves to the newest end (eviction takes the oldest), unless it is there already.
    if (known) {
      if (this.#frozen !== null) this.#freeze(this.#entities.get(entity.key)!)
      if (this.#newestKey !== entity.key) this.#entities.delete(entity.key)
    }
    this.#entities.set(entity.key, entity)
    this.#newestKey = entity.key
    if (!known) {
      const b = this.#bookkeeping(entity.key)
      if (b.firstSeen === undefined) this.#remembered++
      b.firstSeen = entity.firstSeen
      if (this.#entities.size > this.#maxEntities) this.#forget(this.#evictOldest())
    }
    this.#byAddress.add(entity.ipHash, entity.key, entity.lastSeen, !known)
    this.#byPrefix.add(entity.prefixHash, entity.key, entity.lastSeen, !known)
    if (entity.sdkDevice) {
      this.#bySdkDevice.add(entity.sdkDevice, entity.key, entity.lastSeen, !known)
      this.#observeSdkHash(this.#sdkHashes, this.#oldestSdkHash, entity.sdkDevice, entity)
    }
    if (entity.sdkBrowser) {
      this.#bySdkBrowser.add(entity.sdkBrowser, entity.key, entity.lastSeen, !known)
      this.#observeSdkHash(this.#sdkBrowserHashes, this.#oldestSdkBrowserHash, entity.sdkBrowser, entity)
    }
  }

  /**
   * The least recently seen context has left #entities. Never merged (no parent, no cluster of its
   * own), nothing refers to it: its bookkeeping goes with it, so a flood of one-time
   * visitors costs no memory once they are out. Merged ones stay until the cluster
   * bookkeeping outgrows the entities, then one sweep keeps only what live contexts'
   * clusters need.
   */
  #forget(key: string): void {
    const b = this.#keys.get(key)
    // What is left of it then (first seen, clicked links, evidence) goes with it.
    const m = b?.merge
    if (b !== undefined && (m === undefined || (m.browserParent === undefined && m.deviceParent === undefined && m.browserSize === undefined && m.deviceSize === undefined))) this.#drop(key, b)
    if (this.#remembered > this.#sweepAt) this.#sweep()
  }

  #evictOldest(): string {
    if (this.#frozen === null) return this.#oldestEntity.evict()!
    const [key, entity] = this.#oldestEntity.evictEntry()!
    this.#freeze(entity)
    return key
  }

  /** An entity's state of the export's moment, taken before its first change since (exportGradually). */
  #freeze(entity: FingerprintEntity): void {
    if (!this.#frozen!.has(entity.key)) this.#frozen!.set(entity.key, { ...entity, addresses: entity.addresses?.map(([ip, ts]) => [ip, ts]) })
  }

  #bookkeeping(key: string): Bookkeeping {
    let b = this.#keys.get(key)
    if (b === undefined) this.#keys.set(key, (b = new Bookkeeping()))
    return b
  }

  #drop(key: string, b: Bookkeeping): void {
    if (b.firstSeen !== undefined) this.#remembered--
    this.#keys.delete(key)
  }

  erase(keys: Iterable<string>): void {
    const list = [...keys]
    this.#eraseEntities(list)
    // Their sightings keep counting crowds but name them no more.
    const erased = new Set(list)
    for (const index of [this.#byAddress, this.#byPrefix, this.#bySdkDevice, this.#bySdkBrowser]) index.forgetKeys(erased)
    // What the clusters kept of them goes too, unless a live context's cluster is named after
    // one (its id is stored with that context): nothing names them any more, in memory or in a
    // snapshot taken from now on. A full walk (~0.1 s at 500 000 contexts), once per erasure.
    this.#sweep()
  }

  #eraseEntities(keys: Iterable<string>): void {
    for (const key of keys) {
      const entity = this.#entities.get(key)
      if (!entity) continue
      if (this.#frozen !== null) this.#freeze(entity)
      this.#entities.delete(key)
      if (entity.sdkDevice) this.#eraseSdkSighting(this.#sdkHashes, entity.sdkDevice, key)
      if (entity.sdkBrowser) this.#eraseSdkSighting(this.#sdkBrowserHashes, entity.sdkBrowser, key)
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
    this.#eraseEntities(due)
  }

  /** What the hash's record learnt from an erased context goes with it; what other contexts showed stays. */
  #eraseSdkSighting(hashes: Map<string, SdkHashUse>, hash: string, key: string): void {
    const use = hashes.get(hash)
    if (use && !this.#sdkHashRule.forget(use, key)) hashes.delete(hash)
  }

  #sweep(): void {
    // find() compresses paths: afterwards every live context points straight at its root.
    const keep = new Set<string>()
    for (const key of this.#entities.keys()) keep.add(key).add(this.find('browser', key)).add(this.find('device', key))
    for (const [key, b] of this.#keys) if (!keep.has(key)) this.#drop(key, b)
    for (const [hash, keys] of this.#provisional) {
      for (const key of keys) if (!keep.has(key)) keys.delete(key)
      if (keys.size === 0) this.#provisional.delete(hash)
    }
    // Live clusters may need more than twice the entities (roots that left): sweep again only once that much has been added.
    this.#sweepAt = Math.max(2 * this.#maxEntities, 2 * this.#remembered)
  }

  /** How many contexts the cluster bookkeeping remembers (live ones and those their clusters need). */
  get remembered(): number {
    return this.#remembered
  }

  find(level: ClusterLevel, key: string): string {
    const start = this.#keys.get(key)
    let next = parentOf(start, level)
    // Most keys were never merged: their own root.
    if (next === undefined || next === key) return key
    let root = key
    for (; next !== undefined && next !== root; next = parentOf(this.#keys.get(root), level)) root = next
    // Path compression: later finds of this key are one step.
    for (let b = start, up = parentOf(b, level); up !== undefined && up !== root; b = this.#keys.get(up), up = parentOf(b, level)) setParent(b!, level, root)
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
    const [absorbed, survivor] = (this.#keys.get(ra)?.firstSeen ?? Infinity) <= (this.#keys.get(rb)?.firstSeen ?? Infinity) ? [rb, ra] : [ra, rb]
    const gone = this.#bookkeeping(absorbed)
    const kept = this.#bookkeeping(survivor)
    setParent(gone, level, survivor)
    setSize(kept, level, (sizeOf(kept, level) ?? 1) + (sizeOf(gone, level) ?? 1))
    setSize(gone, level, undefined)
    const from = clickedOf(gone, level)
    if (from !== undefined) {
      if (clickedOf(kept, level) === undefined) setClicked(kept, level, from)
      else if (typeof from === 'number') this.markClicked(level, survivor, from)
      else for (const link of from) this.markClicked(level, survivor, link)
      setClicked(gone, level, undefined)
    }
    return [absorbed, survivor]
  }

  #addEdge(key: string, edge: Edge): void {
    const m = (this.#bookkeeping(key).merge ??= new Merge())
    // A literal of one: a first push into an empty array reserves room for 17.
    if (m.edges === undefined) m.edges = [edge]
    else if (m.edges.length < MAX_EDGES_PER_CONTEXT) m.edges.push(edge)
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
      const m = this.#keys.get(key)?.merge
      if (m?.edges) m.edges = m.edges.filter((e) => e.provisionalOn !== hash)
    }
    // Every context the withdrawn merges had joined, through the evidence that is left
    // (clusters only ever grow by recorded edges, so the edges reach all of them).
    const component = new Set<string>()
    const stack = [...keys].flatMap((key) => [key, this.find('device', key)])
    while (stack.length > 0) {
      const key = stack.pop()!
      if (component.has(key)) continue
      component.add(key)
      for (const e of this.#keys.get(key)?.merge?.edges ?? []) if (!component.has(e.other)) stack.push(e.other)
    }
    const byAge = [...component].sort((x, y) => (this.#keys.get(x)?.firstSeen ?? Infinity) - (this.#keys.get(y)?.firstSeen ?? Infinity))
    const roots: Record<ClusterLevel, Map<string, string>> = { browser: new Map(), device: new Map() }
    for (const level of ['device', 'browser'] as const) {
      for (const start of byAge) {
        if (roots[level].has(start)) continue
        const todo = [start]
        while (todo.length > 0) {
          const key = todo.pop()!
          if (roots[level].has(key)) continue
          roots[level].set(key, start)
          for (const e of this.#keys.get(key)?.merge?.edges ?? []) if ((level === 'device' || e.level === 'browser') && component.has(e.other)) todo.push(e.other)
        }
      }
      for (const key of component) {
        const root = roots[level].get(key)!
        const b = this.#bookkeeping(key)
        setParent(b, level, root === key ? undefined : root)
        setSize(b, level, undefined)
      }
      for (const root of roots[level].values()) {
        const b = this.#bookkeeping(root)
        setSize(b, level, (sizeOf(b, level) ?? 0) + 1)
      }
    }
    for (const key of component) this.#withdrawn.push({ key, browserRoot: roots.browser.get(key)!, deviceRoot: roots.device.get(key)! })
  }

  clusterSize(level: ClusterLevel, key: string): number {
    return sizeOf(this.#keys.get(this.find(level, key)), level) ?? 1
  }

  /** The live entities among the index's recent sightings of `id`, newest first, at most `limit`. */
  #entitiesOf(index: SightingIndex, id: string, limit: number): FingerprintEntity[] {
    const out: FingerprintEntity[] = []
    if (limit <= 0) return out
    index.scan(id, (s) => {
      const entity = this.#entities.get(s.key)
      if (entity) out.push(entity)
      return out.length < limit
    })
    return out
  }

  onAddress(ipHash: string, limit = Infinity): FingerprintEntity[] {
    return this.#entitiesOf(this.#byAddress, ipHash, limit)
  }

  onPrefix(prefixHash: string, limit = Infinity): FingerprintEntity[] {
    return this.#entitiesOf(this.#byPrefix, prefixHash, limit)
  }

  withSdkDevice(hash: string, limit = Infinity): FingerprintEntity[] {
    return this.#entitiesOf(this.#bySdkDevice, hash, limit)
  }

  withSdkBrowser(hash: string, limit = Infinity): FingerprintEntity[] {
    return this.#entitiesOf(this.#bySdkBrowser, hash, limit)
  }

  contextsOnAddress(ipHash: string, since: number, atMost = Infinity): number {
    let n = 0
    this.#byAddress.scan(ipHash, (s) => {
      if (s.ts < since || n >= atMost) return false
      n++
      return true
    })
    return n
  }

  sdkDeviceAmbiguous(hash: string): boolean {
    return this.#sdkHashes.get(hash)?.ambiguous ?? false
  }

  sdkBrowserAmbiguous(hash: string): boolean {
    return this.#sdkBrowserHashes.get(hash)?.ambiguous ?? false
  }

  /** The rule learns from the context; once it finds the hash shared, the merges that rested on it alone are withdrawn. */
  #observeSdkHash(hashes: Map<string, SdkHashUse>, oldest: OldestFirst<string>, hash: string, entity: FingerprintEntity): void {
    let use = hashes.get(hash)
    if (!use) {
      use = this.#sdkHashRule.start()
      hashes.set(hash, use)
      if (hashes.size > this.#maxEntities) oldest.evict()
    }
    if (use.ambiguous) return
    this.#sdkHashRule.judge(use, entity)
    if (use.ambiguous) this.#withdraw(hash)
  }

  hasClicked(level: ClusterLevel, root: string, linkId: number): boolean {
    const links = clickedOf(this.#keys.get(root), level)
    return links === linkId || (typeof links === 'object' && links.has(linkId))
  }

  markClicked(level: ClusterLevel, root: string, linkId: number): void {
    const b = this.#bookkeeping(root)
    const links = clickedOf(b, level)
    if (links === undefined) setClicked(b, level, linkId)
    else if (typeof links === 'number') {
      if (links !== linkId) setClicked(b, level, new Set([links, linkId]))
    } else links.add(linkId)
  }

  edgesOf(key: string): readonly StateEdge[] {
    return this.#keys.get(key)?.merge?.edges ?? []
  }

  restoreMembership(level: ClusterLevel, key: string, root: string, rootFirstSeen: number): void {
    const r = this.#bookkeeping(root)
    if (r.firstSeen === undefined) {
      r.firstSeen = rootFirstSeen
      this.#remembered++
    }
    if (key === root || parentOf(this.#keys.get(key), level) === root) return
    setParent(this.#bookkeeping(key), level, root)
    setSize(r, level, (sizeOf(r, level) ?? 1) + 1)
  }

  /**
   * A copy of everything, synchronously, in the state's own order (identity-state-export.ts).
   * Strings and what the engine replaces rather than changes (geo, factors) are shared; what
   * it changes in place (an entity's addresses, the bookkeeping's sets and edges) is copied.
   */
  exportState(): IdentityStateExport {
    const content = this.#exportAllButEntities()
    const e = content.entities
    for (const x of this.#entities.values()) pushEntity(e, x)
    return content
  }

  /**
   * The same copy, with the entities (most of it) taken a slice at a time: between slices
   * `pause()` lets the event loop run, and the state keeps, of every entity the engine
   * reads, changes or removes meanwhile, its state of the export's moment (get() is what
   * the engine changes in place; put() and evictions replace or remove). What is taken at
   * once is the order of the entities and everything else (~a third of the work).
   */
  async exportGradually(pause: () => Promise<void>, slice = 10_000): Promise<IdentityStateExport> {
    if (this.#frozen !== null) throw new Error('an export is already in progress')
    const content = this.#exportAllButEntities()
    const order = [...this.#entities.keys()]
    const frozen = (this.#frozen = new Map())
    try {
      for (let i = 0; i < order.length; i += slice) {
        await pause()
        for (let j = i; j < Math.min(order.length, i + slice); j++) pushEntity(content.entities, frozen.get(order[j]!) ?? this.#entities.get(order[j]!)!)
      }
    } finally {
      this.#frozen = null
    }
    return content
  }

  #exportAllButEntities(): IdentityStateExport {
    const e = emptyEntities()
    const k = emptyKeys()
    const clicked = (c: number | Set<number> | undefined) => (c === undefined ? null : typeof c === 'number' ? c : [...c])
    for (const [key, b] of this.#keys) {
      const m = b.merge
      k.key.push(key); k.firstSeen.push(b.firstSeen ?? null); k.browserParent.push(m?.browserParent ?? null); k.deviceParent.push(m?.deviceParent ?? null)
      k.browserSize.push(m?.browserSize ?? null); k.deviceSize.push(m?.deviceSize ?? null); k.browserClicked.push(clicked(b.browserClicked)); k.deviceClicked.push(clicked(b.deviceClicked))
      // An edge is never changed once made, only dropped: the list is copied, its edges shared.
      k.edges.push(m?.edges ? m.edges.slice() : null)
    }
    const uses = (hashes: Map<string, SdkHashUse>) => [...hashes].map(([hash, u]): [string, ExportedSdkHashUse] => [hash, {
      keys: [...u.keys], recent: u.recent.slice(), prefixes: u.prefixes.slice(), births: u.births.slice(), kind: u.kind && { ...u.kind }, ambiguous: u.ambiguous,
    }])
    return {
      entities: e, keys: k,
      byAddress: this.#byAddress.export(), byPrefix: this.#byPrefix.export(), bySdkDevice: this.#bySdkDevice.export(), bySdkBrowser: this.#bySdkBrowser.export(),
      sdkDevices: uses(this.#sdkHashes), sdkBrowsers: uses(this.#sdkBrowserHashes),
      provisional: [...this.#provisional].map(([hash, set]) => [hash, [...set]]),
      withdrawn: this.#withdrawn.map((w) => ({ ...w })),
      sweepAt: this.#sweepAt,
    }
  }

  /** Fills this fresh state with an export; beyond maxEntities, the least recent leave as they would. */
  restoreState(content: IdentityStateExport): void {
    const k = content.keys
    const clicked = (c: number | number[] | null) => (c === null ? undefined : typeof c === 'number' ? c : new Set(c))
    for (let i = 0; i < k.key.length; i++) {
      const b = new Bookkeeping()
      b.firstSeen = k.firstSeen[i] ?? undefined
      b.browserClicked = clicked(k.browserClicked[i]!)
      b.deviceClicked = clicked(k.deviceClicked[i]!)
      // The merge facts only for a key that had them, as before the snapshot (most never merge).
      if (k.browserParent[i] != null || k.deviceParent[i] != null || k.browserSize[i] != null || k.deviceSize[i] != null || k.edges[i] != null) {
        const m = (b.merge = new Merge())
        m.browserParent = k.browserParent[i] ?? undefined
        m.deviceParent = k.deviceParent[i] ?? undefined
        m.browserSize = k.browserSize[i] ?? undefined
        m.deviceSize = k.deviceSize[i] ?? undefined
        m.edges = k.edges[i] ?? undefined
      }
      if (b.firstSeen !== undefined) this.#remembered++
      this.#keys.set(k.key[i]!, b)
    }
    const e = content.entities
    for (let i = 0; i < e.key.length; i++) {
      const flat = e.addresses[i]
      let addresses: Array<[string, number]> | undefined
      if (flat) {
        addresses = new Array<[string, number]>(flat.length / 2)
        for (let j = 0; j < addresses.length; j++) addresses[j] = [flat[2 * j] as string, flat[2 * j + 1] as number]
      }
      const entity: FingerprintEntity = {
        key: e.key[i]!, firstSeen: e.firstSeen[i]!, lastSeen: e.lastSeen[i]!, deviceHash: e.deviceHash[i]!, browserHash: e.browserHash[i]!, primaryHash: e.primaryHash[i]!,
        sessionHash: e.sessionHash[i]!, sdkDevice: e.sdkDevice[i]!, sdkBrowser: e.sdkBrowser[i]!, browserName: e.browserName[i]!, osName: e.osName[i]!, deviceType: e.deviceType[i]!,
        language: e.language[i]!, model: e.model[i]!, ipHash: e.ipHash[i]!, prefixHash: e.prefixHash[i]!, confidence: e.confidence[i]!, correlationType: e.correlationType[i]!,
        factors: e.factors[i]!, linkedFrom: e.linkedFrom[i]!, geo: e.geo[i]!, geoSince: e.geoSince[i]!, addresses,
      }
      this.#entities.set(entity.key, entity)
    }
    this.#byAddress.restore(content.byAddress)
    this.#byPrefix.restore(content.byPrefix)
    this.#bySdkDevice.restore(content.bySdkDevice)
    this.#bySdkBrowser.restore(content.bySdkBrowser)
    const uses = (hashes: Map<string, SdkHashUse>, from: IdentityStateExport['sdkDevices']) => {
      for (const [hash, u] of from) hashes.set(hash, { ...u, keys: new Set(u.keys) })
    }
    uses(this.#sdkHashes, content.sdkDevices)
    uses(this.#sdkBrowserHashes, content.sdkBrowsers)
    for (const [hash, keys] of content.provisional) this.#provisional.set(hash, new Set(keys))
    this.#withdrawn = content.withdrawn.map((w) => ({ ...w }))
    this.#sweepAt = content.sweepAt
    while (this.#entities.size > this.#maxEntities) this.#forget(this.#oldestEntity.evict()!)
    while (this.#sdkHashes.size > this.#maxEntities) this.#oldestSdkHash.evict()
    while (this.#sdkBrowserHashes.size > this.#maxEntities) this.#oldestSdkBrowserHash.evict()
  }
}

/** One entity onto the export's columns: strings and what the engine replaces rather than changes (geo, factors) shared, its addresses (changed in place) copied. */
function pushEntity(e: IdentityStateExport['entities'], x: FingerprintEntity): void {
  e.key.push(x.key); e.firstSeen.push(x.firstSeen); e.lastSeen.push(x.lastSeen); e.deviceHash.push(x.deviceHash); e.browserHash.push(x.browserHash)
  e.primaryHash.push(x.primaryHash); e.sessionHash.push(x.sessionHash); e.sdkDevice.push(x.sdkDevice); e.sdkBrowser.push(x.sdkBrowser); e.browserName.push(x.browserName)
  e.osName.push(x.osName); e.deviceType.push(x.deviceType); e.language.push(x.language ?? null); e.model.push(x.model ?? null); e.ipHash.push(x.ipHash)
  e.prefixHash.push(x.prefixHash); e.confidence.push(x.confidence); e.correlationType.push(x.correlationType); e.factors.push(x.factors); e.linkedFrom.push(x.linkedFrom)
  e.geo.push(x.geo); e.geoSince.push(x.geoSince)
  const addresses = x.addresses
  if (addresses === undefined) e.addresses.push(null)
  else {
    const flat: Array<string | number> = []
    for (const [ip, seen] of addresses) flat.push(ip, seen)
    e.addresses.push(flat)
  }
}
