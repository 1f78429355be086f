import { describe, expect, it } from 'vitest'
import { OldestFirst } from '../../src/signals/oldest-first.js'

describe('OldestFirst', () => {
  it('evicts in insertion order, a key set again counting from its new place', () => {
    const map = new Map([['a', 1], ['b', 2], ['c', 3]])
    const oldest = new OldestFirst(map)
    expect(oldest.evict()).toBe('a')
    map.delete('b')
    map.set('b', 2) // touched: now the newest
    map.set('d', 4)
    expect([oldest.evict(), oldest.evict(), oldest.evict()]).toEqual(['c', 'b', 'd'])
    expect(oldest.evict()).toBeUndefined()
    expect(map.size).toBe(0)
  })

  it('keeps working after the map was emptied, refilled, cleared and grown past rehashes', () => {
    const map = new Map<number, number>()
    const oldest = new OldestFirst(map)
    expect(oldest.evict()).toBeUndefined()
    map.set(1, 1)
    expect(oldest.evict()).toBe(1)
    for (let i = 0; i < 10; i++) map.set(i, i)
    map.clear()
    map.set(42, 42)
    expect(oldest.evict()).toBe(42)
    // A bounded map under a long flood: every eviction must be the oldest live key.
    for (let i = 0; i < 50_000; i++) {
      map.set(i, i)
      if (i % 3 === 0) map.delete(i - 1) // holes left by others
      if (map.size > 1_000) {
        const evicted = oldest.evict()!
        expect(evicted).toBe(Math.min(...[evicted, map.keys().next().value!]))
      }
    }
    expect(map.size).toBe(1_000)
  })
})
