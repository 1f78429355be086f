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
export class OldestFirst<K> {
  readonly #map: Map<K, unknown>
  #cursor: Iterator<K> | null = null

  constructor(map: Map<K, unknown>) {
    this.#map = map
  }

  /** Deletes the oldest key and returns it; undefined when the map is empty. */
  evict(): K | undefined {
    let next = (this.#cursor ??= this.#map.keys()).next()
    if (next.done) {
      // A finished iterator stays finished, even once keys are added again.
      this.#cursor = this.#map.keys()
      next = this.#cursor.next()
      if (next.done) return undefined
    }
    this.#map.delete(next.value)
    return next.value
  }
}
