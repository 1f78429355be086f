export interface RateWindow {
  /** Hits in the current window, this one included for `hit`. */
  readonly count: number
  /** When the window ends (epoch ms). */
  readonly resetAt: number
}

/**
 * Fixed-window counters: a key's window starts at its first hit and lasts `windowMs`.
 * In Redis when REDIS_URL is set (shared by every instance), in memory otherwise.
 */
export interface RateLimiter {
  hit(key: string, windowMs: number, now: number): Promise<RateWindow>
  /** The current count without adding a hit. */
  peek(key: string, now: number): Promise<RateWindow>
}

export interface RateLimit {
  readonly limit: number
  readonly windowMs: number
}
