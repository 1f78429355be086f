import type { ClickRecord, Storage } from './storage.js'

export interface ClickWriterOptions {
  /** Most clicks held in memory; past it a click is dropped and counted, the redirect still answers. */
  readonly maxQueue: number
  /** Most clicks one transaction writes. */
  readonly maxBatch: number
  /** Longest a click waits before its batch is written: what a kill -9 may lose. */
  readonly flushMs: number
  readonly onFlushed?: (count: number, ms: number) => void
  readonly onDropped?: (reason: 'queue_full' | 'write_failed', count: number) => void
  readonly onError?: (error: unknown) => void
}

/**
 * Group commit: the redirect only appends to an array; a timer writes everything queued
 * in one transaction per batch. A failed batch is retried once (a transient lock or
 * connection blip), then dropped and counted rather than blocking every later click.
 */
export class ClickWriter {
  #queue: ClickRecord[] = []
  #inFlight: Promise<void> | null = null
  #inFlightBatch: readonly ClickRecord[] = []
  #timer: NodeJS.Timeout | null = null
  #held: { released: Promise<void>; release: () => void } | null = null
  #closed = false
  readonly #storage: Storage
  readonly #options: ClickWriterOptions

  constructor(storage: Storage, options: ClickWriterOptions) {
    this.#storage = storage
    this.#options = options
  }

  get pending(): number {
    return this.#queue.length
  }

  /** False when the click was dropped (queue full or writer closed). */
  enqueue(record: ClickRecord): boolean {
    if (this.#closed || this.#queue.length >= this.#options.maxQueue) {
      this.#options.onDropped?.('queue_full', 1)
      return false
    }
    this.#queue.push(record)
    if (this.#queue.length >= this.#options.maxBatch) this.#kick()
    else this.#timer ??= setTimeout(() => this.#kick(), this.#options.flushMs)
    return true
  }

  /** Human clicks of a link not yet committed (queued or in the batch being written). */
  pendingHumanClicks(linkId: number): number {
    let n = 0
    for (const { click } of this.#queue) if (click.link_id === linkId && click.is_bot === 0) n++
    for (const { click } of this.#inFlightBatch) if (click.link_id === linkId && click.is_bot === 0) n++
    return n
  }

  /**
   * Holds every write until resume(): clicks keep queueing (up to maxQueue, as ever), and
   * it resolves once the batch in flight is written, so storage then holds exactly the
   * clicks that left the queue and `queued` the rest, in order. The fingerprint migration
   * job's hand-over holds it for the time of one read.
   */
  async pause(): Promise<void> {
    if (!this.#held) {
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      this.#held = { released, release }
    }
    while (this.#inFlight) await this.#inFlight
  }

  resume(): void {
    const held = this.#held
    if (!held) return
    this.#held = null
    held.release()
    this.#kick()
  }

  /** The clicks waiting to be written, oldest first; while paused, every click not yet stored. */
  get queued(): readonly ClickRecord[] {
    return this.#queue
  }

  /** Drops queued clicks of a deleted link, so they do not come back as orphans. */
  forgetLink(linkId: number): void {
    this.#queue = this.#queue.filter((r) => r.click.link_id !== linkId)
  }

  /** Resolves when every click queued before the call is written. */
  async flush(): Promise<void> {
    while (this.#inFlight || this.#queue.length > 0) {
      if (this.#held) {
        await this.#held.released
        continue
      }
      if (!this.#inFlight) this.#kick()
      await this.#inFlight
    }
  }

  /** Stops taking clicks and writes what is queued. */
  async close(): Promise<void> {
    this.#closed = true
    await this.flush()
  }

  #kick(): void {
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
    // Held (pause()): the queue waits, in order, for resume().
    if (this.#held) return
    if (this.#inFlight || this.#queue.length === 0) return
    const batch = this.#queue.length > this.#options.maxBatch ? this.#queue.splice(0, this.#options.maxBatch) : this.#queue
    if (batch === this.#queue) this.#queue = []
    this.#inFlightBatch = batch
    this.#inFlight = this.#write(batch).finally(() => {
      this.#inFlight = null
      this.#inFlightBatch = []
      if (this.#queue.length > 0 && !this.#timer) {
        if (this.#queue.length >= this.#options.maxBatch) this.#kick()
        else this.#timer = setTimeout(() => this.#kick(), this.#options.flushMs)
      }
    })
  }

  async #write(batch: ClickRecord[]): Promise<void> {
    const started = performance.now()
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#storage.insertClicks(batch)
        this.#options.onFlushed?.(batch.length, performance.now() - started)
        return
      } catch (error) {
        this.#options.onError?.(error)
        if (attempt >= 2) {
          this.#options.onDropped?.('write_failed', batch.length)
          return
        }
      }
    }
  }
}
