import { describe, expect, it } from 'vitest'
import { MemoryRateLimiter } from '../../src/sessions/memory-rate-limiter.js'

describe('MemoryRateLimiter', () => {
  it('counts hits per key within the window, and starts again after it', async () => {
    const limiter = new MemoryRateLimiter()
    expect((await limiter.hit('net-a', 1_000, 0)).count).toBe(1)
    expect((await limiter.hit('net-a', 1_000, 500)).count).toBe(2)
    expect((await limiter.peek('net-a', 999)).count).toBe(2)
    expect((await limiter.hit('net-a', 1_000, 1_000)).count).toBe(1)
  })

  it('stays bounded under a flood of new keys, which cannot reset the count of a key being hammered', async () => {
    const limiter = new MemoryRateLimiter({ maxKeys: 100 })
    for (let i = 0; i < 5_000; i++) {
      await limiter.hit(`net-${i}`, 60_000, i)
      if (i % 10 === 0) await limiter.hit('busy', 60_000, i)
    }
    expect((await limiter.peek('net-4999', 5_000)).count).toBe(1)
    expect((await limiter.peek('net-0', 5_000)).count).toBe(0)
    expect((await limiter.peek('busy', 5_000)).count).toBe(500)
  })
})
