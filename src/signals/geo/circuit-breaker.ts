export type CircuitState = 'closed' | 'open' | 'half_open'

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit; 5 by default. */
  readonly failureThreshold?: number
  /** How long it stays open before one trial call is let through; 30 s by default. */
  readonly cooldownMs?: number
  /** Longest cool-down after repeated failed trials (each doubles it); 10 min by default. */
  readonly maxCooldownMs?: number
  /** Injected clock. */
  readonly now: () => number
}

/**
 * Stops calling a dependency that keeps failing (the geo API), and tries it again now
 * and then. Closed: calls go through and failures are counted. Open: nothing goes
 * through until the cool-down has passed. Half-open: exactly one trial call; success
 * closes the circuit, failure opens it again with a doubled cool-down.
 *
 * It does not time calls itself; the caller reports each outcome (a timeout is a failure).
 */
export class CircuitBreaker {
  private readonly threshold: number
  private readonly baseCooldown: number
  private readonly maxCooldown: number
  private readonly now: () => number
  private failures = 0
  private cooldown: number
  private openedAt = 0
  private current: CircuitState = 'closed'
  private trialInFlight = false

  constructor(options: CircuitBreakerOptions) {
    this.threshold = options.failureThreshold ?? 5
    this.baseCooldown = options.cooldownMs ?? 30_000
    this.maxCooldown = Math.max(this.baseCooldown, options.maxCooldownMs ?? 600_000)
    this.cooldown = this.baseCooldown
    this.now = options.now
  }

  get state(): CircuitState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.cooldown) return 'half_open'
    return this.current
  }

  /** Whether a call may start now; in half-open this hands out the single trial. */
  tryAcquire(): boolean {
    const state = this.state
    if (state === 'closed') return true
    if (state === 'open' || this.trialInFlight) return false
    this.current = 'half_open'
    this.trialInFlight = true
    return true
  }

  recordSuccess(): void {
    this.failures = 0
    this.cooldown = this.baseCooldown
    this.current = 'closed'
    this.trialInFlight = false
  }

  recordFailure(): void {
    if (this.current === 'half_open') {
      this.cooldown = Math.min(this.cooldown * 2, this.maxCooldown)
      this.open()
      return
    }
    this.failures++
    if (this.current === 'closed' && this.failures >= this.threshold) this.open()
  }

  private open(): void {
    this.current = 'open'
    this.openedAt = this.now()
    this.trialInFlight = false
    this.failures = 0
  }
}
