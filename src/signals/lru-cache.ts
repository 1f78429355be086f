import { OldestFirst } from './oldest-first.js'

export interface LruCacheOptions {
  /** Most entries kept; the least recently used goes first. */
  readonly max: number
  /** Default time to live in ms; omitted or 0 means entries never expire on their own. */
  readonly ttl?: number
  /** The clock, injected so expiry can be tested and replayed; `Date.now` by default. */
  readonly now?: () => number
}

interface Entry<V> {
  value: V
  expiresAt: number
  /** The cache's tick when the entry last moved to the back. */
  stamp: number
}

/** Caches up to this size keep exact recency; bigger ones move an entry back only when it has drifted. */
const EXACT_UP_TO = 64

/**
 * A bounded least-recently-used map. Every per-request cache in the signals stage (user
 * agents, bot verdicts, geo per network prefix, language headers) is one of these, so
 * memory stays bounded whatever the traffic and a repeated value costs a Map lookup.
 *
 * A Map keeps insertion order, so "touch" is delete + set and the oldest key is the
 * first one: no linked list to maintain. Expired entries are dropped when read or when
 * they reach the front; they never outlive `max`.
 *
 * A hit in a big cache moves its entry back only when it sits in the older seven eighths:
 * delete + set on every hit is most of a hit's cost (the Map's holes are compacted by
 * rehashing), and an entry read at least once per 7/8·max insertions is never evicted
 * either way. Small caches keep exact recency.
 */
export class LruCache<K, V> {
  readonly max: number
  readonly ttl: number
  private readonly now: () => number
  private readonly map = new Map<K, Entry<V>>()
  private readonly oldest = new OldestFirst(this.map)
  /** Counts moves to the back; an entry's place from the front is about max − (tick − stamp). */
  private tick = 0
  private readonly drift: number

  constructor(options: LruCacheOptions) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new RangeError(`LruCache max must be a positive integer, got ${options.max}`)
    const ttl = options.ttl ?? 0
    if (!Number.isFinite(ttl) || ttl < 0) throw new RangeError(`LruCache ttl must be a non-negative number, got ${ttl}`)
    this.max = options.max
    this.ttl = ttl
    this.now = options.now ?? Date.now
    this.drift = options.max <= EXACT_UP_TO ? 0 : options.max >> 3
  }

  get size(): number {
    return this.map.size
  }

  /** The value, marking it most recently used; undefined when absent or expired. */
  get(key: K): V | undefined {
    const entry = this.map.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt !== Infinity && entry.expiresAt <= this.now()) {
      this.map.delete(key)
      return undefined
    }
    if (this.tick - entry.stamp >= this.drift) {
      this.map.delete(key)
      entry.stamp = ++this.tick
      this.map.set(key, entry)
    }
    return entry.value
  }

  /** The value without touching its recency (for debug views and tests). */
  peek(key: K): V | undefined {
    const entry = this.map.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt !== Infinity && entry.expiresAt <= this.now()) return undefined
    return entry.value
  }

  /** True for a live entry, even one whose value is undefined or null (a cached "no answer"). */
  has(key: K): boolean {
    const entry = this.map.get(key)
    return entry !== undefined && (entry.expiresAt === Infinity || entry.expiresAt > this.now())
  }

  /** Stores `value`; `ttl` (ms) overrides the default for this entry, e.g. shorter for negative results. */
  set(key: K, value: V, ttl: number = this.ttl): this {
    const expiresAt = ttl > 0 ? this.now() + ttl : Infinity
    const existing = this.map.get(key)
    if (existing !== undefined) {
      this.map.delete(key)
      existing.value = value
      existing.expiresAt = expiresAt
      existing.stamp = ++this.tick
      this.map.set(key, existing)
      return this
    }
    this.map.set(key, { value, expiresAt, stamp: ++this.tick })
    if (this.map.size > this.max) this.evict()
    return this
  }

  delete(key: K): boolean {
    return this.map.delete(key)
  }

  clear(): void {
    this.map.clear()
  }

  /** Live keys, least recently used first. */
  *keys(): IterableIterator<K> {
    const now = this.now()
    for (const [key, entry] of this.map) if (entry.expiresAt > now) yield key
  }

  private evict(): void {
    // The front of the Map is the least recently used entry. Scanning for expired ones
    // instead would make a set O(n); they go when they reach the front or are read.
    this.oldest.evict()
  }
}
