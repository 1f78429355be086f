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
}

/**
 * A bounded least-recently-used map. Every per-request cache in the signals stage (user
 * agents, bot verdicts, geo per network prefix, language headers) is one of these, so
 * memory stays bounded whatever the traffic and a repeated value costs a Map lookup.
 *
 * A Map keeps insertion order, so "touch" is delete + set and the oldest key is the
 * first one: no linked list to maintain. Expired entries are dropped when read or when
 * they reach the front; they never outlive `max`.
 */
export class LruCache<K, V> {
  readonly max: number
  readonly ttl: number
  private readonly now: () => number
  private readonly map = new Map<K, Entry<V>>()

  constructor(options: LruCacheOptions) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new RangeError(`LruCache max must be a positive integer, got ${options.max}`)
    const ttl = options.ttl ?? 0
    if (!Number.isFinite(ttl) || ttl < 0) throw new RangeError(`LruCache ttl must be a non-negative number, got ${ttl}`)
    this.max = options.max
    this.ttl = ttl
    this.now = options.now ?? Date.now
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
    this.map.delete(key)
    this.map.set(key, entry)
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
      this.map.set(key, existing)
      return this
    }
    this.map.set(key, { value, expiresAt })
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
    const first = this.map.keys().next()
    if (!first.done) this.map.delete(first.value)
  }
}
