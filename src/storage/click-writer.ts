import type { ClicksRepository } from './clicks-repository.js'
import type { ClickReclassification, ClickRecord, NewClick } from './storage.js'

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

/** What the writer writes through: a batch of click records, and clicks found to be bots. */
export interface ClickWriterStorage {
  readonly clicks: Pick<ClicksRepository, 'insertClicks' | 'reclassifyClicks'>
}

/**
 * Group commit: the redirect only appends to an array; a timer writes everything queued
 * in one transaction per batch. A failed batch is retried once (a transient lock or
 * connection blip), then dropped and counted rather than blocking every later click.
 */
export class ClickWriter {
  #queue: ClickRecord[] = []
  /** Reclassifications whose rows had left the queue: applied after the batches that write them. */
  #reclassify: ClickReclassification[] = []
  #inFlight: Promise<void> | null = null
  #inFlightBatch: readonly ClickRecord[] = []
  #timer: NodeJS.Timeout | null = null
  #held: { released: Promise<void>; release: () => void } | null = null
  #closed = false
  readonly #storage: ClickWriterStorage
  readonly #options: ClickWriterOptions

  constructor(storage: ClickWriterStorage, options: ClickWriterOptions) {
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

  /**
   * Human clicks of a link not yet committed (queued or in the batch being written), less
   * those waiting to be reclassified as bots (their rows are written or being written).
   */
  pendingHumanClicks(linkId: number): number {
    let n = 0
    for (const { click } of this.#queue) if (click.link_id === linkId && click.is_bot === 0) n++
    for (const { click } of this.#inFlightBatch) if (click.link_id === linkId && click.is_bot === 0) n++
    for (const r of this.#reclassify) if (r.link_id === linkId) n--
    return n
  }

  /**
   * Marks a click as a bot after the fact. Still queued: the queued row changes, nothing
   * else to do. Otherwise its batch is being written or is written: the change is stored
   * after it, in the writer's order, so it never races the insert it corrects.
   */
  reclassify(click: ClickReclassification): void {
    for (const record of this.#queue) {
      if (record.click.is_bot === 0 && sameClick(record.click, click)) {
        record.click.is_bot = 1
        record.click.bot_reason = click.bot_reason
        return
      }
    }
    if (this.#closed) return
    this.#reclassify.push(click)
    this.#timer ??= setTimeout(() => this.#kick(), this.#options.flushMs)
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
    while (this.#inFlight || this.#queue.length > 0 || this.#reclassify.length > 0) {
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
    if (this.#inFlight || (this.#queue.length === 0 && this.#reclassify.length === 0)) return
    const batch = this.#queue.length > this.#options.maxBatch ? this.#queue.splice(0, this.#options.maxBatch) : this.#queue
    if (batch === this.#queue) this.#queue = []
    // Reclassifications target rows that had left the queue; no batch is in flight now, so those
    // rows are committed (or were dropped, and the update finds nothing).
    const reclassify = this.#reclassify
    this.#reclassify = []
    this.#inFlightBatch = batch
    this.#inFlight = this.#write(batch, reclassify).finally(() => {
      this.#inFlight = null
      this.#inFlightBatch = []
      if ((this.#queue.length > 0 || this.#reclassify.length > 0) && !this.#timer) {
        if (this.#queue.length >= this.#options.maxBatch) this.#kick()
        else this.#timer = setTimeout(() => this.#kick(), this.#options.flushMs)
      }
    })
  }

  async #write(batch: ClickRecord[], reclassify: ClickReclassification[]): Promise<void> {
    const started = performance.now()
    for (let attempt = 1; ; attempt++) {
      try {
        if (batch.length > 0) {
          await this.#storage.clicks.insertClicks(batch)
          this.#options.onFlushed?.(batch.length, performance.now() - started)
          batch = []
        }
        if (reclassify.length > 0) await this.#storage.clicks.reclassifyClicks(reclassify)
        return
      } catch (error) {
        this.#options.onError?.(error)
        if (attempt >= 2) {
          if (batch.length > 0) this.#options.onDropped?.('write_failed', batch.length)
          return
        }
      }
    }
  }
}

function sameClick(row: NewClick, key: ClickReclassification): boolean {
  return row.link_id === key.link_id && row.ts === key.ts && row.ip_hash === key.ip_hash && row.method === key.method && row.user_agent === key.user_agent
}
