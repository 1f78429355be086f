import type { ClicksRepository } from './clicks-repository.js'
import type { ClickReclassification, ClickRecord, NewClick } from './storage.js'

export interface ClickWriterOptions {
  /** Most clicks held in memory; past it a click is dropped and counted, the redirect still answers. */
  readonly maxQueue: number
  /** Most clicks one transaction writes. */
  readonly maxBatch: number
  /** Longest a click waits before its batch is written: what a kill -9 may lose. */
  readonly flushMs: number
  /** Longest wait between two attempts at a failed batch (5 s); the first waits 2 × flushMs, then it doubles. */
  readonly maxBackoffMs?: number
  /** After close(), how long a failing database is retried before the queued clicks are given up, counted (10 s). */
  readonly closeGiveUpMs?: number
  readonly onFlushed?: (count: number, ms: number) => void
  readonly onDropped?: (reason: 'queue_full' | 'write_failed', count: number) => void
  /** Once per change, never once per attempt or per click: an outage is two log lines, not thousands. */
  readonly onStateChange?: (change: ClickWriterChange) => void
}

export type ClickWriterChange =
  | { readonly state: 'failing'; readonly error: unknown }
  | { readonly state: 'writing'; readonly failedMs: number; readonly attempts: number }
  | { readonly state: 'dropping' }
  | { readonly state: 'not_dropping'; readonly dropped: number }

/** What health checks read (http/plugins/health-plugin.ts). */
export interface ClickWriterHealth {
  /** When the batch being retried first failed; null while writes succeed. */
  readonly failingSince: number | null
  readonly lastError: string | null
  /** When the batch in flight was sent; null when none is (a stalled connection shows here). */
  readonly writingSince: number | null
  /** Clicks dropped since the queue last had room; 0 when it has. */
  readonly dropping: number
  readonly queued: number
}

/** What the writer writes through: a batch of click records, and clicks found to be bots. */
export interface ClickWriterStorage {
  readonly clicks: Pick<ClicksRepository, 'insertClicks' | 'reclassifyClicks'>
}

/**
 * Group commit: the redirect only appends to an array; a timer writes everything queued
 * in one transaction per batch. A failed batch stays in flight and is retried with a
 * growing backoff until the database takes it (the transaction rolled back, so a retry
 * writes it once); clicks keep queueing behind it up to maxQueue, and only past that are
 * dropped, counted. Recovery needs nobody: the next attempt that succeeds drains the queue.
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
  #closedAt = 0
  #failingSince: number | null = null
  #lastError: string | null = null
  #writingSince: number | null = null
  #dropping = 0
  readonly #storage: ClickWriterStorage
  readonly #options: ClickWriterOptions

  constructor(storage: ClickWriterStorage, options: ClickWriterOptions) {
    this.#storage = storage
    this.#options = options
  }

  get pending(): number {
    return this.#queue.length
  }

  get health(): ClickWriterHealth {
    return { failingSince: this.#failingSince, lastError: this.#lastError, writingSince: this.#writingSince, dropping: this.#dropping, queued: this.#queue.length }
  }

  /** False when the click was dropped (queue full or writer closed). */
  enqueue(record: ClickRecord): boolean {
    if (this.#closed || this.#queue.length >= this.#options.maxQueue) {
      this.#options.onDropped?.('queue_full', 1)
      if (this.#dropping++ === 0) this.#options.onStateChange?.({ state: 'dropping' })
      return false
    }
    if (this.#dropping > 0) {
      this.#options.onStateChange?.({ state: 'not_dropping', dropped: this.#dropping })
      this.#dropping = 0
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
    this.#closedAt = performance.now()
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
      this.#writingSince = Date.now()
      try {
        if (batch.length > 0) {
          await this.#storage.clicks.insertClicks(batch)
          // Stored now: a link read from the database from here on has these clicks in its counter, so they are no longer pending.
          this.#inFlightBatch = []
          this.#options.onFlushed?.(batch.length, performance.now() - started)
          batch = []
        }
        if (reclassify.length > 0) await this.#storage.clicks.reclassifyClicks(reclassify)
        this.#writingSince = null
        if (this.#failingSince !== null) {
          this.#options.onStateChange?.({ state: 'writing', failedMs: Date.now() - this.#failingSince, attempts: attempt })
          this.#failingSince = null
          this.#lastError = null
        }
        return
      } catch (error) {
        this.#writingSince = null
        this.#lastError = error instanceof Error ? error.message : String(error)
        if (this.#failingSince === null) {
          this.#failingSince = Date.now()
          this.#options.onStateChange?.({ state: 'failing', error })
        }
        // Stopping on a database that stays down: give the clicks up, counted, rather than never exit.
        if (this.#closed && performance.now() - this.#closedAt >= (this.#options.closeGiveUpMs ?? 10_000)) {
          if (batch.length > 0) this.#options.onDropped?.('write_failed', batch.length)
          return
        }
        const backoff = Math.min(this.#options.maxBackoffMs ?? 5_000, this.#options.flushMs * 2 ** Math.min(attempt, 16))
        await new Promise((resolve) => setTimeout(resolve, backoff))
      }
    }
  }
}

function sameClick(row: NewClick, key: ClickReclassification): boolean {
  return row.link_id === key.link_id && row.ts === key.ts && row.ip_hash === key.ip_hash && row.method === key.method && row.user_agent === key.user_agent
}
