import { OldestFirst } from '../signals/oldest-first.js'
import type { ExportedSightings } from './identity-state-export.js'

/** A storage context seen under an id (an address, a prefix, an SDK hash) at a time. */
export interface Sighting {
  readonly key: string
  readonly ts: number
}

/** A sighting as the index keeps it: in which list, and whether it has left it. */
interface Entry extends Sighting {
  readonly list: List
  /** Replaced by a newer sighting of its key, trimmed, or its list evicted: skipped, and dropped at the next compaction. */
  dead: boolean
}

interface List {
  /** Oldest first; dead entries among them until the next compaction. */
  entries: Entry[]
  live: number
}

/**
 * Recent sightings per id, newest last, one per storage context (a context seen again
 * moves to the end), at most `max` read back per id; a list is trimmed to its newest
 * `max` once it holds twice that many.
 *
 * Finding a context's old place must not scan its list: the list of a busy address (an
 * office, a carrier NAT, a load test) holds hundreds of contexts, and a returning visitor
 * there cost a scan of all of them on every click (~1 µs a list). So every live sighting
 * is also reachable from its context's key, and a replaced one is only marked dead,
 * dropped from the array in bulk later. Reads skip dead entries, so every list reads back
 * exactly as if the replaced sighting had been spliced out.
 *
 * `fresh` says the context is new to the state (never put, or put again after it was
 * evicted or erased): its old sightings, if any are left, are not replaced but stay, as
 * they always did, so that what the engine reads and decides does not depend on this
 * bookkeeping.
 */
export class SightingIndex {
  readonly #lists = new Map<string, List>()
  readonly #oldest = new OldestFirst(this.#lists)
  /** Every live sighting of a key, oldest first: one entry as it is (the common case), an array from the second on. */
  readonly #byKey = new Map<string, Entry | Entry[]>()
  readonly #max: number
  readonly #maxIds: number

  constructor(max: number, maxIds: number) {
    this.#max = max
    this.#maxIds = maxIds
  }

  add(id: string, key: string, ts: number, fresh: boolean): void {
    let list = this.#lists.get(id)
    if (!list) {
      list = { entries: [], live: 0 }
      this.#lists.set(id, list)
      if (this.#lists.size > this.#maxIds) this.#drop(this.#oldest.evictEntry()![1])
    }
    if (!fresh) {
      const old = this.#oldestIn(key, list)
      if (old) this.#kill(old)
    }
    const entry: Entry = { key, ts, list, dead: false }
    list.entries.push(entry)
    list.live++
    this.#remember(entry)
    if (list.live >= 2 * this.#max) this.#trim(list)
    else if (list.entries.length >= 2 * this.#max && list.entries.length >= 2 * list.live) list.entries = list.entries.filter((e) => !e.dead)
  }

  /** Newest first, at most `max` of them. */
  recent(id: string): Sighting[] {
    const out: Sighting[] = []
    this.scan(id, (entry) => {
      out.push(entry)
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
    const list = this.#lists.get(id)
    if (!list) return
    const entries = list.entries
    for (let i = entries.length - 1, n = 0; i >= 0 && n < this.#max; i--) {
      const entry = entries[i]!
      if (entry.dead) continue
      n++
      if (!visit(entry)) return
    }
  }

  /**
   * An erased context's sightings stay in their lists, so the crowd counts read as before,
   * but name no one: no later visit finds the context through them, and no export holds its key.
   */
  forgetKey(key: string): void {
    const known = this.#byKey.get(key)
    if (known === undefined) return
    this.#byKey.delete(key)
    for (const entry of Array.isArray(known) ? known : [known]) {
      const entries = entry.list.entries
      entries[entries.lastIndexOf(entry)] = { key: '', ts: entry.ts, list: entry.list, dead: false }
    }
  }

  /** The live sightings of every list, lists and sightings oldest first (identity-state-export.ts). */
  export(): ExportedSightings {
    const out: ExportedSightings = { ids: [], counts: [], keys: [], ts: [] }
    for (const [id, list] of this.#lists) {
      let n = 0
      for (const entry of list.entries) {
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

  /** Fills an empty index from an export: every list reads back as it did. */
  restore(exported: ExportedSightings): void {
    let at = 0
    for (let i = 0; i < exported.ids.length; i++) {
      const n = exported.counts[i]!
      const list: List = { entries: new Array<Entry>(n), live: n }
      for (let j = 0; j < n; j++, at++) {
        const entry: Entry = { key: exported.keys[at]!, ts: exported.ts[at]!, list, dead: false }
        list.entries[j] = entry
        // An erased context's sighting ('') is never looked up by its key.
        if (entry.key !== '') this.#remember(entry)
      }
      this.#lists.set(exported.ids[i]!, list)
    }
  }

  /** The key's oldest live sighting in the list: the one a scan of the list from its start would find. */
  #oldestIn(key: string, list: List): Entry | undefined {
    const known = this.#byKey.get(key)
    if (known === undefined) return undefined
    if (!Array.isArray(known)) return known.list === list ? known : undefined
    return known.find((e) => e.list === list)
  }

  /** Keeps the newest `max` live sightings. */
  #trim(list: List): void {
    let excess = list.live - this.#max
    const kept: Entry[] = []
    for (const entry of list.entries) {
      if (entry.dead) continue
      if (excess > 0) {
        excess--
        this.#kill(entry)
      } else kept.push(entry)
    }
    list.entries = kept
  }

  #drop(list: List): void {
    for (const entry of list.entries) if (!entry.dead) this.#kill(entry)
  }

  #kill(entry: Entry): void {
    entry.dead = true
    entry.list.live--
    const known = this.#byKey.get(entry.key)
    if (known === entry) this.#byKey.delete(entry.key)
    else if (Array.isArray(known)) {
      known.splice(known.indexOf(entry), 1)
      if (known.length === 1) this.#byKey.set(entry.key, known[0]!)
    }
  }

  #remember(entry: Entry): void {
    const known = this.#byKey.get(entry.key)
    if (known === undefined) this.#byKey.set(entry.key, entry)
    else if (Array.isArray(known)) known.push(entry)
    else this.#byKey.set(entry.key, [known, entry])
  }
}
