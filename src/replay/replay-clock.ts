import type { Clock } from '../clock.js'

/** The clock replay sets to each event's own time before sending it. */
export class ReplayClock implements Clock {
  // Wall time until the first event sets it.
  #now = Date.now()

  now(): number {
    return this.#now
  }

  set(ms: number): void {
    this.#now = ms
  }
}
