import type { BridgeClaims } from './bridge-claims.js'

/**
 * Claims of one process (no REDIS_URL: one instance). Each nonce is kept for `keepMs`
 * (at least the tokens' lifetime), in claim order, so expired ones leave from the front.
 */
export class MemoryBridgeClaims implements BridgeClaims {
  readonly #claimed = new Map<string, number>()
  readonly #keepMs: number
  readonly #now: () => number

  constructor(keepMs: number, now: () => number = Date.now) {
    this.#keepMs = keepMs
    this.#now = now
  }

  async claim(nonce: string): Promise<boolean> {
    const now = this.#now()
    for (const [key, until] of this.#claimed) {
      if (until > now) break
      this.#claimed.delete(key)
    }
    if (this.#claimed.has(nonce)) return false
    this.#claimed.set(nonce, now + this.#keepMs)
    return true
  }

  ready(): boolean {
    return true
  }

  async close(): Promise<void> {
    this.#claimed.clear()
  }
}
