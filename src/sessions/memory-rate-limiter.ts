import type { RateLimiter, RateWindow } from './rate-limiter.js'

/**
 * The single-instance RateLimiter. Bounded: past `maxKeys`, expired windows are swept,
 * then the keys hit longest ago dropped down to 90 % of it (an attacker cycling keys gains
 * nothing from that: each new key starts at zero, and the key it hammers is never the one
 * dropped).
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly #windows = new Map<string, { count: number; resetAt: number }>()
  readonly #maxKeys: number

  constructor(options: { maxKeys?: number } = {}) {
    this.#maxKeys = options.maxKeys ?? 100_000
  }

  async hit(key: string, windowMs: number, now: number): Promise<RateWindow> {
    let w = this.#windows.get(key)
    // Every hit moves its key to the back: the keys dropped first are the ones not hit for
    // longest, so flooding new keys cannot reset the count of a key being hammered.
    this.#windows.delete(key)
    if (!w || w.resetAt <= now) w = { count: 0, resetAt: now + windowMs }
    this.#windows.set(key, w)
    if (this.#windows.size > this.#maxKeys) this.#sweep(now)
    w.count++
    return { count: w.count, resetAt: w.resetAt }
  }

  async peek(key: string, now: number): Promise<RateWindow> {
    const w = this.#windows.get(key)
    return !w || w.resetAt <= now ? { count: 0, resetAt: now } : { count: w.count, resetAt: w.resetAt }
  }

  async undo(key: string, now: number): Promise<void> {
    const w = this.#windows.get(key)
    if (w && w.resetAt > now && w.count > 0) w.count--
  }

  async clear(key: string): Promise<void> {
    this.#windows.delete(key)
  }

  #sweep(now: number): void {
    for (const [key, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(key)
    // Down to 90 %, not to the limit: sweeping a full map for every new key is O(maxKeys)
    // a request, and new keys are what a request flood from many networks brings.
    const keep = Math.floor(this.#maxKeys * 0.9)
    for (const key of this.#windows.keys()) {
      if (this.#windows.size <= keep) break
      this.#windows.delete(key)
    }
  }
}
