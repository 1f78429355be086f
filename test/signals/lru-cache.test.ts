import { describe, expect, it } from 'vitest'
import { LruCache } from '../../src/signals/lru-cache.js'

function clock(start = 1_000) {
  let t = start
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

describe('LruCache', () => {
  it('evicts the least recently used entry beyond max', () => {
    const cache = new LruCache<string, number>({ max: 2 })
    cache.set('a', 1).set('b', 2)
    expect(cache.get('a')).toBe(1) // a is now most recent
    cache.set('c', 3)
    expect(cache.has('b')).toBe(false)
    expect(cache.get('a')).toBe(1)
    expect(cache.get('c')).toBe(3)
    expect(cache.size).toBe(2)
  })

  it('peek does not change recency', () => {
    const cache = new LruCache<string, number>({ max: 2 })
    cache.set('a', 1).set('b', 2)
    expect(cache.peek('a')).toBe(1)
    cache.set('c', 3)
    expect(cache.has('a')).toBe(false)
  })

  it('overwriting refreshes the value, the recency and the expiry without growing', () => {
    const c = clock()
    const cache = new LruCache<string, number>({ max: 2, ttl: 100, now: c.now })
    cache.set('a', 1).set('b', 2)
    c.advance(90)
    cache.set('a', 10)
    cache.set('c', 3)
    expect(cache.size).toBe(2)
    expect(cache.has('b')).toBe(false)
    c.advance(50)
    expect(cache.get('a')).toBe(10)
  })

  it('expires entries with the injected clock, per default ttl and per entry', () => {
    const c = clock()
    const cache = new LruCache<string, string>({ max: 10, ttl: 1_000, now: c.now })
    cache.set('default', 'x')
    cache.set('short', 'y', 10)
    c.advance(10)
    expect(cache.get('short')).toBeUndefined()
    expect(cache.peek('default')).toBe('x')
    c.advance(989)
    expect(cache.get('default')).toBe('x')
    c.advance(1)
    expect(cache.get('default')).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('never expires without a ttl', () => {
    const c = clock()
    const cache = new LruCache<string, number>({ max: 1, now: c.now })
    cache.set('a', 1)
    c.advance(1e12)
    expect(cache.get('a')).toBe(1)
  })

  it('stores null and undefined as real values (cached "no answer")', () => {
    const cache = new LruCache<string, null | undefined>({ max: 5 })
    cache.set('n', null)
    cache.set('u', undefined)
    expect(cache.get('n')).toBeNull()
    expect(cache.has('n')).toBe(true)
    expect(cache.has('u')).toBe(true)
    expect(cache.has('missing')).toBe(false)
  })

  it('lists live keys least recent first, and deletes and clears', () => {
    const c = clock()
    const cache = new LruCache<number, number>({ max: 5, now: c.now })
    for (const k of [1, 2, 3]) cache.set(k, k)
    cache.set(4, 4, 5)
    cache.get(1)
    c.advance(10)
    expect([...cache.keys()]).toEqual([2, 3, 1])
    expect(cache.delete(2)).toBe(true)
    cache.clear()
    expect(cache.size).toBe(0)
  })

  it('stays bounded under a flood of distinct keys', () => {
    const cache = new LruCache<string, number>({ max: 100 })
    for (let i = 0; i < 10_000; i++) cache.set(`k${i}`, i)
    expect(cache.size).toBe(100)
    expect(cache.get('k9999')).toBe(9999)
    expect(cache.get('k0')).toBeUndefined()
  })

  it('keeps a key read now and then in a big cache, whatever the flood around it', () => {
    const cache = new LruCache<string, number>({ max: 1_000 })
    cache.set('hot', 1)
    for (let i = 0; i < 100_000; i++) {
      cache.set(`k${i}`, i)
      // Once per 800 insertions: within the 7/8 of max the cache promises to keep.
      if (i % 800 === 0) expect(cache.get('hot')).toBe(1)
    }
    expect(cache.get('hot')).toBe(1)
    expect(cache.size).toBe(1_000)
    expect(cache.get('k0')).toBeUndefined()
  })

  it('refuses nonsense limits', () => {
    expect(() => new LruCache({ max: 0 })).toThrow(RangeError)
    expect(() => new LruCache({ max: 1.5 })).toThrow(RangeError)
    expect(() => new LruCache({ max: 1, ttl: -1 })).toThrow(RangeError)
  })
})
