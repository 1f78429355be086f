import type { Clock } from '../clock.js'
import type { Link } from '../storage/storage.js'

interface Entry {
  link: Link | null
  expires: number
}

/**
 * The redirect answers from here. Misses are cached too (null), so a scan of random
 * slugs cannot turn into one query each. Map order gives LRU: a hit is re-inserted.
 * The TTL bounds how stale an entry may be when another instance changed the link.
 */
export class LinkCache {
  readonly #entries = new Map<string, Entry>()
  readonly #max: number
  readonly #ttlMs: number
  readonly #clock: Clock

  constructor(options: { max: number; ttlMs: number; clock: Clock }) {
    this.#max = options.max
    this.#ttlMs = options.ttlMs
    this.#clock = options.clock
  }

  /** undefined: not cached; null: cached as missing. */
  get(slug: string): Link | null | undefined {
    const entry = this.#entries.get(slug)
    if (!entry) return undefined
    if (entry.expires <= this.#clock.now()) {
      this.#entries.delete(slug)
      return undefined
    }
    this.#entries.delete(slug)
    this.#entries.set(slug, entry)
    return entry.link
  }

  set(slug: string, link: Link | null): void {
    this.#entries.delete(slug)
    this.#entries.set(slug, { link, expires: this.#clock.now() + this.#ttlMs })
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
  }

  invalidate(slug: string): void {
    this.#entries.delete(slug)
  }

  get size(): number {
    return this.#entries.size
  }
}
