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
  /** Takes one hit back (an attempt reserved and then found fine, or never made); the window keeps its end. */
  undo(key: string, now: number): Promise<void>
  /** Forgets the key (a correct password ends an account's run of failures). */
  clear(key: string): Promise<void>
}

export interface RateLimit {
  readonly limit: number
  readonly windowMs: number
}
