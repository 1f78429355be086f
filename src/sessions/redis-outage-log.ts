interface Log {
  info(details: object, message: string): void
  error(details: object, message: string): void
}

/**
 * One log line when a Redis connection starts failing and one when it is back, whatever
 * number of errors, reconnect attempts and requests fall in between (ioredis reports each
 * attempt; during an outage that was ~1 500 lines in 23 s). ioredis reconnects by itself.
 */
export class RedisOutageLog {
  readonly #log: () => Log | undefined
  readonly #down = new Map<string, { since: number; errors: number }>()

  constructor(log: () => Log | undefined) {
    this.#log = log
  }

  /** Is any connection of `component` failing now? */
  isDown(component: string): boolean {
    return this.#down.has(component)
  }

  error(component: string, error: unknown): void {
    const down = this.#down.get(component)
    if (down) {
      down.errors++
      return
    }
    this.#down.set(component, { since: Date.now(), errors: 1 })
    this.#log()?.error({ err: error, component }, `Redis unreachable for ${component}: what needs it answers 503 REDIS_UNAVAILABLE; reconnecting by itself`)
  }

  connected(component: string): void {
    const down = this.#down.get(component)
    if (!down) return
    this.#down.delete(component)
    this.#log()?.info({ component, downMs: Date.now() - down.since, errors: down.errors }, `Redis reachable again for ${component}`)
  }
}
