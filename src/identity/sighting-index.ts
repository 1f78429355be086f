import { OldestFirst } from '../signals/oldest-first.js'
import type { ExportedSightings } from './identity-state-export.js'

/** A storage context seen under an id (an address, a prefix, an SDK hash) at a time. */
export interface Sighting {
  readonly key: string
  readonly ts: number
}

/** A sighting as the index keeps it. */
class Entry implements Sighting {
  readonly key: string
  ts: number
  /** Replaced by a newer sighting of its key, trimmed: skipped, and dropped at the next compaction. */
  dead = false

  constructor(key: string, ts: number) {
    this.key = key
    this.ts = ts
  }
}

/** The sightings of an id seen by more than one context. */
class List {
  /** Oldest first; dead entries among them until the next compaction. */
  entries: Entry[]
  live: number
  /** Every live sighting in this list by its key (oldest first), once the list is long enough for a scan to cost. */
  byKey: Map<string, Entry | Entry[]> | null = null

  constructor(entries: Entry[]) {
    this.entries = entries
    this.live = entries.length
  }
}

/** Lists this long find a context's old place through their own map rather than a scan. */
const INDEXED_AT = 16

/**
 * Recent sightings per id, newest last, one per storage context (a context seen again
 * moves to the end), at most `max` read back per id; a list is trimmed to its newest
 * `max` once it holds twice that many.
 *
 * Most ids are seen by one context only (a new visitor's own address and network): such an
 * id keeps that one sighting as it is, with no list around it. A list of several (an
 * office, a carrier NAT, a load test) holds hundreds of contexts, and finding a returning
 * context's old place by scanning cost ~1 µs a list on every click; so a long list keeps
 * its live sightings by key as well, and a replaced one is only marked dead, dropped from
 * the array in bulk later. Reads skip dead entries, so every list reads back exactly as
 * if the replaced sighting had been spliced out. (Measured with bench/context-memory.ts:
 * an id's lone sighting costs ~100 bytes, where a list of one with a key map shared by all
 * lists cost ~360.)
 *
 * `fresh` says the context is new to the state (never put, or put again after it was
 * evicted or erased): its old sightings, if any are left, are not replaced but stay, as
 * they always did, so that what the engine reads and decides does not depend on this
 * bookkeeping.
 */
export class SightingIndex {
  /** An id seen by one context so far: its sighting as it is; from the second on, a List. */
  readonly #lists = new Map<string, Entry | List>()
  readonly #oldest = new OldestFirst(this.#lists)
  readonly #max: number
  readonly #maxIds: number

  constructor(max: number, maxIds: number) {
    this.#max = max
    this.#maxIds = maxIds
  }

  add(id: string, key: string, ts: number, fresh: boolean): void {
    const slot = this.#lists.get(id)
    if (slot === undefined) {
      this.#lists.set(id, new Entry(key, ts))
      // An evicted id's sightings go with it: nothing else refers to them.
      if (this.#lists.size > this.#maxIds) this.#oldest.evict()
      return
    }
    let list: List
    if (slot instanceof List) {
      list = slot
      if (!fresh) {
        const old = this.#oldestIn(key, list)
        if (old) this.#kill(list, old)
      }
      const entry = new Entry(key, ts)
      list.entries.push(entry)
      list.live++
      if (list.byKey !== null) remember(list.byKey, entry)
      else if (list.entries.length >= INDEXED_AT) this.#index(list)
    } else if (!fresh && slot.key === key) {
      // Its one sighting replaced by a newer one: the list reads back exactly that one.
      slot.ts = ts
      return
    } else {
      // Set again under the same id: the id keeps its place in the eviction order.
      this.#lists.set(id, (list = new List([slot, new Entry(key, ts)])))
    }
    if (list.live >= 2 * this.#max) this.#trim(list)
    else if (list.entries.length >= 2 * this.#max && list.entries.length >= 2 * list.live) list.entries = list.entries.filter((e) => !e.dead)
  }

  /** Newest first, at most `max` of them. */
  recent(id: string): Sighting[] {
    const out: Sighting[] = []
    this.scan(id, (entry) => {
      out.push({ key: entry.key, ts: entry.ts })
      return true
    })
    return out
  }

  /**
   * Visits the sightings `recent` would return, newest first, until `visit` returns false.
   * A callback, not a generator: the engine reads these lists several times a new
   * context, and generators stacked on generators cost more than the reading itself.
   */
  scan(id: string, visit: (sighting: Sighting) => boolean): void {
    const slot = this.#lists.get(id)
    if (slot === undefined) return
    if (!(slot instanceof List)) {
      if (this.#max > 0) visit(slot)
      return
    }
    const entries = slot.entries
    for (let i = entries.length - 1, n = 0; i >= 0 && n < this.#max; i--) {
      const entry = entries[i]!
      if (entry.dead) continue
      n++
      if (!visit(entry)) return
    }
  }

  /**
   * Erased contexts' sightings stay in their lists, so the crowd counts read as before, but
   * name no one: no later visit finds the contexts through them, and no export holds their
   * keys. One walk over every id (there is no map from a key to its ids: a lone sighting
   * keeps none), once per erasure.
   */
  forgetKeys(keys: ReadonlySet<string>): void {
    if (keys.size === 0) return
    for (const [id, slot] of this.#lists) {
      if (!(slot instanceof List)) {
        if (keys.has(slot.key)) this.#lists.set(id, new Entry('', slot.ts))
        continue
      }
      const entries = slot.entries
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i]!
        if (entry.dead || !keys.has(entry.key)) continue
        slot.byKey?.delete(entry.key)
        entries[i] = new Entry('', entry.ts)
      }
    }
  }

  /** The live sightings of every id, ids and sightings oldest first (identity-state-export.ts). */
  export(): ExportedSightings {
    const out: ExportedSightings = { ids: [], counts: [], keys: [], ts: [] }
    for (const [id, slot] of this.#lists) {
      let n = 0
      for (const entry of slot instanceof List ? slot.entries : [slot]) {
        if (entry.dead) continue
        out.keys.push(entry.key)
        out.ts.push(entry.ts)
        n++
      }
      out.ids.push(id)
      out.counts.push(n)
    }
    return out
  }

  /** Fills an empty index from an export: every id reads back as it did (one sighting as it is, several as a list). */
  restore(exported: ExportedSightings): void {
    let at = 0
    for (let i = 0; i < exported.ids.length; i++) {
      const n = exported.counts[i]!
      const entries = new Array<Entry>(n)
      for (let j = 0; j < n; j++, at++) entries[j] = new Entry(exported.keys[at]!, exported.ts[at]!)
      if (n === 0) continue
      let slot: Entry | List = entries[0]!
      if (n > 1) {
        const list = new List(entries)
        // An erased context's sighting ('') is never looked up by its key.
        if (n >= INDEXED_AT) this.#index(list)
        slot = list
      }
      this.#lists.set(exported.ids[i]!, slot)
    }
  }

  /** The key's oldest live sighting in the list: the one a scan of the list from its start would find. */
  #oldestIn(key: string, list: List): Entry | undefined {
    if (list.byKey !== null) {
      const known = list.byKey.get(key)
      return known === undefined || !Array.isArray(known) ? known : known[0]
    }
    for (const entry of list.entries) if (!entry.dead && entry.key === key) return entry
    return undefined
  }

  #index(list: List): void {
    const byKey = (list.byKey = new Map())
    for (const entry of list.entries) if (!entry.dead && entry.key !== '') remember(byKey, entry)
  }

  /** Keeps the newest `max` live sightings. */
  #trim(list: List): void {
    let excess = list.live - this.#max
    const kept: Entry[] = []
    for (const entry of list.entries) {
      if (entry.dead) continue
      if (excess > 0) {
        excess--
        this.#kill(list, entry)
      } else kept.push(entry)
    }
    list.entries = kept
  }

  #kill(list: List, entry: Entry): void {
    entry.dead = true
    list.live--
    const byKey = list.byKey
    if (byKey === null) return
    const known = byKey.get(entry.key)
    if (known === entry) byKey.delete(entry.key)
    else if (Array.isArray(known)) {
      known.splice(known.indexOf(entry), 1)
      if (known.length === 1) byKey.set(entry.key, known[0]!)
    }
  }
}

function remember(byKey: Map<string, Entry | Entry[]>, entry: Entry): void {
  const known = byKey.get(entry.key)
  if (known === undefined) byKey.set(entry.key, entry)
  else if (Array.isArray(known)) known.push(entry)
  else byKey.set(entry.key, [known, entry])
}
