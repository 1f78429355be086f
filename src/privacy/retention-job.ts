import type { Clock } from '../clock.js'
import type { IdentityRepository } from '../storage/identity-repository.js'
import type { RetentionRepository } from '../storage/retention-repository.js'
import type { ContextCursor, RetentionCounts } from '../storage/storage.js'

const DAY_MS = 86_400_000

export interface RetentionJobOptions {
  readonly storage: {
    readonly retention: Pick<RetentionRepository, 'countExpired' | 'deleteExpiredClicks' | 'deleteExpiredIdentities'>
    readonly identity: Pick<IdentityRepository, 'lastClickId'>
  }
  readonly clock: Clock
  /** RETENTION_DAYS; undefined: keep everything (the job never runs). */
  readonly days: number | undefined
  /** Rows per statement (5 000): what one statement may hold the database for. */
  readonly batchSize?: number
  /** Time between two runs of the service's job (an hour). */
  readonly intervalMs?: number
  /** Rows deleted, per table, as they go (the /metrics counter). */
  readonly onDeleted?: (table: 'clicks' | 'enhanced_fingerprints' | 'fingerprint_correlations', count: number) => void
  /** After a complete run: what was last seen before the cutoff is gone from storage, and must go from memory (the identity engine's). */
  readonly onExpired?: (cutoff: number) => void
  readonly onError?: (error: unknown) => void
}

export interface RetentionReport extends RetentionCounts {
  /** Rows older than this (epoch ms) went. */
  readonly cutoff: number
  readonly dryRun: boolean
  /** Statements run, each on at most a batch of rows (a dry run runs none). */
  readonly batches: number
  /** False when stop() ended the run early; the next run goes on from there. */
  readonly complete: boolean
  readonly ms: number
}

/**
 * RETENTION_DAYS: clicks older than N days go, then the identity rows nobody needs any
 * more (contexts last seen before the cutoff that no remaining click refers to). Links'
 * click_count stays: it counts clicks ever made against a click limit.
 *
 * Bounded batches with the event loop let in between, so redirects never wait behind it;
 * the service runs it at start and then every `intervalMs` (never two runs at once).
 */
export class RetentionJob {
  readonly #o: RetentionJobOptions
  readonly #batchSize: number
  readonly #intervalMs: number
  #timer: NodeJS.Timeout | null = null
  #running: Promise<RetentionReport> | null = null
  #runningDry = false
  #stopping = false
  #last: RetentionReport | null = null
  /** Full ranges of click ids as the last runs left them: where to go on, and the earliest ts kept. */
  readonly #ranges = new Map<number, { upTo: number; next: number; keptMinTs: number | null }>()
  #lastCompletedAt: number | null = null

  constructor(options: RetentionJobOptions) {
    this.#o = options
    this.#batchSize = options.batchSize ?? 5_000
    this.#intervalMs = options.intervalMs ?? 3_600_000
  }

  get enabled(): boolean {
    return this.#o.days !== undefined
  }

  /** The last finished run, null before the first. */
  get lastReport(): RetentionReport | null {
    return this.#last
  }

  /** When the last complete (not stopped, not dry) run ended, by the job's clock; null before one. */
  get lastCompletedAt(): number | null {
    return this.#lastCompletedAt
  }

  /** The cutoff a run now would use, null when retention is off. */
  cutoff(): number | null {
    return this.#o.days === undefined ? null : this.#o.clock.now() - this.#o.days * DAY_MS
  }

  /** Runs now, then every interval until stop(). A no-op when RETENTION_DAYS is unset. */
  start(): void {
    if (!this.enabled || this.#timer || this.#running) return
    const tick = () => {
      this.#timer = null
      this.run().catch((error: unknown) => this.#o.onError?.(error)).finally(() => {
        // Not rescheduled once stopped; unref: an idle job never keeps a process alive.
        if (!this.#stopping) this.#timer = setTimeout(tick, this.#intervalMs).unref()
      })
    }
    tick()
  }

  /** Ends the schedule and waits for a run in progress to stop at its next batch. */
  async stop(): Promise<void> {
    this.#stopping = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    await this.#running?.catch(() => undefined)
  }

  /**
   * One run (the CLI's, or the schedule's). A dry run only counts. A call while a run of
   * the same kind is in progress reports that run; of the other kind, waits for it first:
   * two never delete side by side.
   */
  run(options: { dryRun?: boolean } = {}): Promise<RetentionReport> {
    const dryRun = options.dryRun === true
    if (this.#running) {
      return this.#runningDry === dryRun ? this.#running : this.#running.catch(() => undefined).then(() => this.run(options))
    }
    this.#stopping = false
    this.#runningDry = dryRun
    const cutoff = this.cutoff()
    if (cutoff === null) return Promise.reject(new Error('RETENTION_DAYS is not set'))
    const run = (dryRun ? this.#count(cutoff) : this.#delete(cutoff)).then((report) => {
      if (!report.dryRun) this.#last = report
      if (!report.dryRun && report.complete) this.#lastCompletedAt = this.#o.clock.now()
      return report
    })
    this.#running = run.finally(() => {
      this.#running = null
    })
    return this.#running
  }

  async #count(cutoff: number): Promise<RetentionReport> {
    const started = performance.now()
    const counts = await this.#o.storage.retention.countExpired(cutoff)
    return { ...counts, cutoff, dryRun: true, batches: 0, complete: true, ms: Math.round(performance.now() - started) }
  }

  async #delete(cutoff: number): Promise<RetentionReport> {
    const { storage } = this.#o
    const started = performance.now()
    const counts: RetentionCounts = { clicks: 0, fingerprints: 0, correlations: 0 }
    let batches = 0
    // Every click is looked at, a range of ids at a time: ids mostly grow with time, but
    // not always (replayed history, two instances' clocks), and an old click missed would
    // stay forever. Clicks written during the run are new: the pass ends where it began.
    // A range whose earliest remaining click is still within the period is skipped until
    // the cutoff passes it: new clicks take new ids, so the ranges below stay as they were
    // left, and an hourly run reads only the ranges with something to delete instead of
    // the whole table. (The memory is the process's: a restart begins with a full pass.)
    const upToId = await storage.identity.lastClickId()
    const span = this.#batchSize
    for (let afterId = 0; afterId < upToId; ) {
      if (this.#stopping) return this.#report(counts, cutoff, batches, false, started)
      const known = this.#ranges.get(afterId)
      if (known !== undefined && (known.keptMinTs === null || known.keptMinTs >= cutoff) && known.upTo <= upToId) {
        afterId = known.next
        continue
      }
      const rangeEnd = Math.min(afterId + span, upToId)
      const { deleted, keptMinTs, nextId } = await storage.retention.deleteExpiredClicks(cutoff, afterId, rangeEnd)
      batches++
      counts.clicks += deleted
      if (deleted > 0) this.#o.onDeleted?.('clicks', deleted)
      // An empty range jumps to the next click (a table whose first ids retention took long ago).
      const next = nextId === undefined ? rangeEnd : nextId === null ? upToId : Math.max(rangeEnd, nextId - 1)
      if (rangeEnd === afterId + span) this.#ranges.set(afterId, { upTo: rangeEnd, next, keptMinTs })
      afterId = next
      await yieldToEventLoop()
    }
    // Passes over the contexts last seen before the cutoff, until one deletes nothing: a
    // cluster's root can go once its members have, which the pass may have seen after it.
    // Roots are direct (fingerprint_correlations stores them), so that is two or three passes.
    for (let deletedInPass = 1; deletedInPass > 0; ) {
      deletedInPass = 0
      for (let after: ContextCursor | null = null; ; ) {
        if (this.#stopping) return this.#report(counts, cutoff, batches, false, started)
        const n = await storage.retention.deleteExpiredIdentities(cutoff, after, this.#batchSize)
        batches++
        counts.fingerprints += n.fingerprints
        counts.correlations += n.correlations
        deletedInPass += n.fingerprints
        if (n.fingerprints > 0) this.#o.onDeleted?.('enhanced_fingerprints', n.fingerprints)
        if (n.correlations > 0) this.#o.onDeleted?.('fingerprint_correlations', n.correlations)
        if (n.scannedTo === null) break
        after = n.scannedTo
        await yieldToEventLoop()
      }
    }
    this.#o.onExpired?.(cutoff)
    return this.#report(counts, cutoff, batches, true, started)
  }

  #report(counts: RetentionCounts, cutoff: number, batches: number, complete: boolean, started: number): RetentionReport {
    return { ...counts, cutoff, dryRun: false, batches, complete, ms: Math.round(performance.now() - started) }
  }
}

/** setImmediate, not a microtask: queued I/O (redirects) runs before the next batch. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
