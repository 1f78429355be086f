/**
 * A bounded map that forgets what was not used for a while, in two generations: entries
 * live in `young`; when it is full, it becomes `old` and the previous old one is dropped
 * whole; a hit in `old` moves the entry back to `young`. At most `max` entries, O(1) per
 * operation with no per-entry bookkeeping (a Map used as an LRU, deleting its oldest key
 * at every insert, slows down as deleted slots pile up at its front; this never deletes).
 */
export class Generations<K, V> {
  #young = new Map<K, V>()
  #old = new Map<K, V>()
  readonly #half: number

  constructor(max: number) {
    this.#half = Math.max(1, Math.floor(max / 2))
  }

  get size(): number {
    return this.#young.size + this.#old.size
  }

  get(key: K): V | undefined {
    const young = this.#young.get(key)
    if (young !== undefined) return young
    const old = this.#old.get(key)
    if (old !== undefined) this.set(key, old)
    return old
  }

  /** Each live value once (an entry brought back to the young generation is also still in the old one). */
  *values(): IterableIterator<V> {
    yield* this.#young.values()
    for (const [key, value] of this.#old) if (!this.#young.has(key)) yield value
  }

  /** The value without bringing it back to the young generation. */
  peek(key: K): V | undefined {
    return this.#young.get(key) ?? this.#old.get(key)
  }

  set(key: K, value: V): void {
    if (this.#young.size >= this.#half && !this.#young.has(key)) {
      this.#old = this.#young
      this.#young = new Map()
    }
    this.#young.set(key, value)
  }
}
