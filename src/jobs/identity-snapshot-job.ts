import { setImmediate as yieldToRedirects } from 'node:timers/promises'
import type { Clock } from '../clock.js'
import { FINGERPRINT_VERSION } from '../identity/fingerprints.js'
import { isExportable } from '../identity/identity-state-export.js'
import type { IdentityState } from '../identity/identity-state.js'
import { encodeSnapshot, SNAPSHOT_FORMAT } from '../identity/snapshot/snapshot-format.js'
import type { IdentitySnapshotStore } from '../identity/snapshot/snapshot-store.js'
import type { ClickWriter } from '../storage/click-writer.js'
import type { IdentityRepository } from '../storage/identity-repository.js'

export interface IdentitySnapshotJobOptions {
  readonly store: IdentitySnapshotStore
  /** The engine's state as it stands now (the migration job may replace it). */
  readonly state: () => IdentityState
  readonly writer: Pick<ClickWriter, 'flush' | 'pause' | 'resume' | 'pending'>
  readonly storage: Pick<IdentityRepository, 'lastClickId' | 'lastClickTs'>
  readonly clock: Clock
  /** IDENTITY_SNAPSHOT_INTERVAL_MS; 0: only on request and at shutdown. */
  readonly intervalMs: number
  /** While true (a fingerprint migration rebuilds the state), no snapshot is taken: the state is the job's, half built. */
  readonly paused: () => boolean
  readonly onError?: (error: unknown) => void
  /** The click the stored snapshot reflects when the state was loaded from it (null: none): a stop with no click since writes none. */
  readonly loadedFrom?: number | null
}

/** What the last snapshot written was. */
export interface SnapshotWritten {
  readonly upToClickId: number
  readonly entities: number
  readonly bytes: number
  /** How long the copy of the state held the event loop at once (its first, synchronous step; the rest goes in slices). */
  readonly blockMs: number
  readonly ms: number
}

/**
 * Writes the identity engine's state to its snapshot every `intervalMs`, when asked (the
 * migration job finished, a visitor was erased) and at shutdown, so a start replays only
 * the clicks after it (identity/snapshot/snapshot-loader.ts).
 *
 * The state is copied in one synchronous step at a moment when every click it reflects is
 * stored and none other is: the writer is flushed, and held while the last click id is
 * read (clicks keep queueing meanwhile). The copy is then encoded and written a part at a
 * time with the event loop free between parts. One write at a time; a request while one
 * runs is served by the next.
 */
export class IdentitySnapshotJob {
  readonly #o: IdentitySnapshotJobOptions
  #timer: NodeJS.Timeout | null = null
  #running: Promise<SnapshotWritten | null> | null = null
  #again: Promise<SnapshotWritten | null> | null = null
  #stopped = false
  #last: SnapshotWritten | null = null
  /** The click the stored snapshot reflects, as far as this process knows; null: none, or removed. */
  #stored: number | null

  constructor(options: IdentitySnapshotJobOptions) {
    this.#o = options
    this.#stored = options.loadedFrom ?? null
  }

  get last(): SnapshotWritten | null {
    return this.#last
  }

  start(): void {
    if (this.#o.intervalMs <= 0 || this.#stopped) return
    this.#timer = setInterval(() => void this.write().catch((error: unknown) => this.#o.onError?.(error)), this.#o.intervalMs)
    this.#timer.unref()
  }

  /** Writes a snapshot of the state as it stands now; null when none can be taken (migration running, state not exportable). */
  write(): Promise<SnapshotWritten | null> {
    if (!this.#running) {
      this.#running = this.#write().finally(() => (this.#running = null))
      return this.#running
    }
    // One is being written from an older copy: another follows it, shared by every request meanwhile.
    this.#again ??= this.#running.catch(() => null).then(() => {
      this.#again = null
      return this.write()
    })
    return this.#again
  }

  /** Removes the stored snapshot at once (a write in progress finishes first, then is removed too). */
  async discard(): Promise<void> {
    await this.#running?.catch(() => null)
    this.#stored = null
    await this.#o.store.discard()
  }

  /** Stops the timer; `final` writes one last snapshot (graceful shutdown, once the writer has stored every click). */
  async stop(final: boolean): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
    await this.#again?.catch(() => null)
    await this.#running?.catch(() => null)
    // Nothing changed since the stored snapshot (no click; erasures and retention write their own): a quick stop.
    if (final && !(this.#stored !== null && this.#stored === (await this.#o.storage.lastClickId()))) await this.write()
  }

  async #write(): Promise<SnapshotWritten | null> {
    const started = performance.now()
    const state = this.#o.state()
    if (this.#o.paused() || !isExportable(state)) return null
    const writer = this.#o.writer
    // Every click the state reflects is stored, and no other resolved one waits in the queue.
    do await writer.flush()
    while (writer.pending > 0)
    if (this.#o.paused()) return null
    const held = writer.pause()
    // The state of this moment: what the call copies at once, and the rest (the entities) as they stand now, slice by slice.
    const copyStarted = performance.now()
    const exporting = state.exportGradually(() => yieldToRedirects())
    const blockMs = performance.now() - copyStarted
    // Awaited below; a failure before that must not go unhandled meanwhile.
    exporting.catch(() => undefined)
    let upToClickId: number
    let upToClickTs: number
    try {
      await held
      upToClickId = await this.#o.storage.lastClickId()
      upToClickTs = upToClickId === 0 ? 0 : ((await this.#o.storage.lastClickTs(upToClickId)) ?? 0)
    } finally {
      writer.resume()
    }
    const content = await exporting
    let bytes = 0
    async function* counted(parts: AsyncIterable<Buffer>) {
      for await (const part of parts) {
        bytes += part.length
        yield part
      }
    }
    const meta = { format: SNAPSHOT_FORMAT, fingerprintVersion: FINGERPRINT_VERSION, upToClickId, upToClickTs, writtenAt: this.#o.clock.now(), entities: content.entities.key.length }
    this.#stored = null
    await this.#o.store.write(counted(encodeSnapshot(meta, content)))
    this.#stored = upToClickId
    this.#last = { upToClickId, entities: content.entities.key.length, bytes, blockMs, ms: performance.now() - started }
    return this.#last
  }
}
