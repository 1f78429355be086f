import { AppError } from '../errors.js'

/**
 * A bound on password hashes at once. Each scrypt check holds 64 MiB and a libuv thread
 * for tens of milliseconds; 40 at once took 25.6 s and +190 MB. `running` run, `waiting`
 * more wait their turn, and anything past that is refused at once (503 SERVER_BUSY with
 * Retry-After), never queued without bound.
 */
export class HashSlots {
  readonly #running: number
  readonly #waiting: number
  #busy = 0
  readonly #queue: Array<() => void> = []

  constructor(options: { running?: number; waiting?: number } = {}) {
    this.#running = options.running ?? 4
    this.#waiting = options.waiting ?? 16
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#busy >= this.#running) {
      if (this.#queue.length >= this.#waiting) throw new AppError('SERVER_BUSY', undefined, { retryAfter: 1 })
      await new Promise<void>((resolve) => this.#queue.push(resolve))
    } else {
      this.#busy++
    }
    try {
      return await work()
    } finally {
      // The slot passes straight to the next waiter, so #busy counts it still.
      const next = this.#queue.shift()
      if (next) next()
      else this.#busy--
    }
  }
}
