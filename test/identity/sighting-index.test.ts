import { describe, expect, it } from 'vitest'
import { SightingIndex, type Sighting } from '../../src/identity/sighting-index.js'

/**
 * The index as it was first written (a scan of the id's list for the context's old place):
 * the definition SightingIndex must read back exactly, whatever the order of calls.
 */
class ScanningIndex {
  readonly #map = new Map<string, Sighting[]>()
  constructor(readonly max: number, readonly maxIds: number) {}

  add(id: string, key: string, ts: number, fresh: boolean): void {
    let list = this.#map.get(id)
    if (!list) {
      list = []
      this.#map.set(id, list)
      if (this.#map.size > this.maxIds) this.#map.delete(this.#map.keys().next().value!)
    }
    if (!fresh) {
      const existing = list.findIndex((s) => s.key === key)
      if (existing !== -1) list.splice(existing, 1)
    }
    list.push({ key, ts })
    if (list.length >= 2 * this.max) list.splice(0, list.length - this.max)
  }

  recent(id: string): Sighting[] {
    return (this.#map.get(id) ?? []).slice(-this.max).reverse()
  }
}

/** A small deterministic generator (mulberry32): the same calls on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const read = (index: SightingIndex, id: string) => [...index.recent(id)].map(({ key, ts }) => ({ key, ts }))

describe('SightingIndex', () => {
  it('a context seen again moves to the newest place, and a list reads back at most max, newest first', () => {
    const index = new SightingIndex(3, 10)
    for (const [key, ts] of [['a', 1], ['b', 2], ['c', 3], ['a', 4]] as const) index.add('ip', key, ts, key !== 'a' || ts === 1)
    expect(read(index, 'ip')).toEqual([{ key: 'a', ts: 4 }, { key: 'c', ts: 3 }, { key: 'b', ts: 2 }])
    expect(read(index, 'other')).toEqual([])
  })

  it('a fresh context is not looked for: an old sighting left from before it was evicted stays, as the scanning index kept it', () => {
    const index = new SightingIndex(4, 10)
    index.add('ip', 'a', 1, true)
    index.add('ip', 'a', 2, true) // evicted from the state meanwhile and back: fresh again
    index.add('ip', 'a', 3, false) // replaces the oldest of the two, as a scan from the start did
    expect(read(index, 'ip')).toEqual([{ key: 'a', ts: 3 }, { key: 'a', ts: 2 }])
  })

  it('reads back exactly what the scanning index reads back, over a long random run of busy and quiet ids', () => {
    for (const [seed, max, maxIds] of [[1, 4, 6], [2, 8, 50], [3, 2, 3], [4, 16, 1000]] as const) {
      const next = random(seed)
      const fast = new SightingIndex(max, maxIds)
      const reference = new ScanningIndex(max, maxIds)
      const ids = Array.from({ length: maxIds + 4 }, (_, i) => `id${i}`)
      const keys = Array.from({ length: 6 * max }, (_, i) => `k${i}`)
      for (let ts = 0; ts < 20_000; ts++) {
        // Skewed: a few busy ids (an office) and keys that come back, some of them fresh again.
        const id = ids[Math.floor(next() ** 3 * ids.length)]!
        const key = keys[Math.floor(next() * keys.length)]!
        const fresh = next() < 0.15
        fast.add(id, key, ts, fresh)
        reference.add(id, key, ts, fresh)
        if (ts % 7 === 0) {
          const probe = ids[Math.floor(next() * ids.length)]!
          expect(read(fast, probe)).toEqual(reference.recent(probe))
        }
      }
      for (const id of ids) expect(read(fast, id)).toEqual(reference.recent(id))
    }
  })
})
