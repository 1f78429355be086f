import type { RateLimiter, RateWindow } from './rate-limiter.js'

/**
 * The single-instance RateLimiter. Bounded: past `maxKeys`, expired windows are swept,
 * then the oldest keys dropped (an attacker cycling keys gains nothing from that: each
 * new key starts at zero anyway).
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly #windows = new Map<string, { count: number; resetAt: number }>()
  readonly #maxKeys: number

  constructor(options: { maxKeys?: number } = {}) {
    this.#maxKeys = options.maxKeys ?? 100_000
  }

  async hit(key: string, windowMs: number, now: number): Promise<RateWindow> {
    let w = this.#windows.get(key)
    if (!w || w.resetAt <= now) {
      this.#windows.delete(key)
      w = { count: 0, resetAt: now + windowMs }
      this.#windows.set(key, w)
      if (this.#windows.size > this.#maxKeys) this.#sweep(now)
    }
    w.count++
    return { count: w.count, resetAt: w.resetAt }
  }

  async peek(key: string, now: number): Promise<RateWindow> {
    const w = this.#windows.get(key)
    return !w || w.resetAt <= now ? { count: 0, resetAt: now } : { count: w.count, resetAt: w.resetAt }
  }

  #sweep(now: number): void {
    for (const [key, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(key)
    for (const key of this.#windows.keys()) {
      if (this.#windows.size <= this.#maxKeys) break
      this.#windows.delete(key)
    }
  }
}
