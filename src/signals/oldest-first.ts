/**
 * Evicts the oldest key of a Map (insertion order) in amortised O(1).
 *
 * `map.delete(map.keys().next().value)` looks cheap and is not: V8 leaves a deleted entry
 * as a hole until the table is rehashed, and every fresh iterator walks all the holes at
 * the front — evicting from a full map of 500 000 keys cost up to ~200 µs a time, and the
 * bounded maps of the redirect path (identity state, caches) are full on any busy service.
 * One live iterator walks each hole once: Map iterators follow deletions, insertions at
 * the end and rehashes, so its next live key is always the oldest.
 */
export class OldestFirst<K, V = unknown> {
  readonly #map: Map<K, V>
  #cursor: Iterator<K> | null = null

  constructor(map: Map<K, V>) {
    this.#map = map
  }

  /** Deletes the oldest key and returns it; undefined when the map is empty. */
  evict(): K | undefined {
    const next = this.#oldest()
    if (next.done) return undefined
    this.#map.delete(next.value)
    return next.value
  }

  /** Deletes the oldest entry and returns it, for an owner that must clean up after its value; undefined when the map is empty. */
  evictEntry(): [K, V] | undefined {
    const next = this.#oldest()
    if (next.done) return undefined
    const value = this.#map.get(next.value)!
    this.#map.delete(next.value)
    return [next.value, value]
  }

  #oldest(): IteratorResult<K> {
    const next = (this.#cursor ??= this.#map.keys()).next()
    if (!next.done) return next
    // A finished iterator stays finished, even once keys are added again.
    this.#cursor = this.#map.keys()
    return this.#cursor.next()
  }
}
