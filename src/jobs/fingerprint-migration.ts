import { setImmediate as yieldToRedirects } from 'node:timers/promises'
import type { Clock } from '../clock.js'
import type { ClickContext } from '../decisions/click-pipeline.js'
import { clickRecordOf } from '../decisions/click-record.js'
import { resolveIdentity, type ResolvedIdentity } from '../decisions/resolve-identity.js'
import { identitySignalsOfStoredClick, type StoredClick } from '../decisions/stored-click-signals.js'
import { AppError } from '../errors.js'
import type { AnalyticsRepository } from '../storage/analytics-repository.js'
import type { ClickWriter } from '../storage/click-writer.js'
import type { RecomputedClick, RecomputedColumns } from '../storage/identity-storage.js'
import type { ClicksRepository } from '../storage/clicks-repository.js'
import type { IdentityRepository } from '../storage/identity-repository.js'
import type { SettingsRepository } from '../storage/settings-repository.js'
import type { ClickRecord, FingerprintingAlgorithm } from '../storage/storage.js'
import { FINGERPRINT_VERSION } from '../identity/fingerprints.js'
import type { IdentityEngine } from '../identity/identity-engine.js'
import type { IdentitySignals } from '../identity/identity-signals.js'

/** The settings key the job's progress is kept under. */
export const MIGRATION_SETTING = 'fingerprinting_migration'

export type MigrationJobState = 'idle' | 'running' | 'done' | 'failed' | 'cancelled'

export interface MigrationJob {
  state: MigrationJobState
  /** Clicks gone through (bots and clicks without stored signals included). */
  processed: number
  /** Clicks stored when the job started, grown by the live clicks it went through since. */
  total: number
  /** Human clicks stored without signals (before the identity engine): their old ids are kept. */
  skipped: number
  /** The last click id done: where a restart resumes. */
  cursor: number
  /** The fingerprint version the job recomputes with. */
  version: number
  startedAt: number | null
  finishedAt: number | null
  /** How many times the job was resumed after a restart. */
  resumes: number
  error: string | null
}

export interface MigrationStatus {
  algorithm: FingerprintingAlgorithm
  job: MigrationJob
}

export interface FingerprintMigrationOptions {
  readonly storage: {
    readonly settings: Pick<SettingsRepository, 'getSetting' | 'setSetting'>
    readonly clicks: Pick<ClicksRepository, 'countClicks'>
    readonly identity: Pick<IdentityRepository, 'resetIdentity' | 'clicksForRecompute' | 'writeRecomputed'>
    readonly analytics: Pick<AnalyticsRepository, 'rebuildRollups'>
  }
  readonly writer: ClickWriter
  readonly clock: Clock
  readonly engine: IdentityEngine
  readonly fingerprinting: { algorithm(): FingerprintingAlgorithm; use(algorithm: FingerprintingAlgorithm): Promise<void> }
  /** Starts the engine's memory afresh; null when the engine was injected and cannot be reset. */
  readonly resetState: (() => void) | null
  /** Clicks per transaction (1 000). */
  readonly chunkSize?: number
  readonly onError?: (error: unknown) => void
  /** The job's state changed: 'running' once the engine's memory is reset, then how it ended (the identity snapshot follows). */
  readonly onJob?: (state: MigrationJobState) => void
}

const IDLE: MigrationJob = { state: 'idle', processed: 0, total: 0, skipped: 0, cursor: 0, version: FINGERPRINT_VERSION, startedAt: null, finishedAt: null, resumes: 0, error: null }

/**
 * Seed 002's algorithm migration: recomputes the fingerprints and clusters of every
 * stored click with the current FINGERPRINT_VERSION, from the signals each click stored
 * (stored-click-signals.ts), then serves the robust numbers; `rollback` serves the legacy
 * ones again at once (every click keeps its legacy id).
 *
 * - **In id order, from nothing**: the engine's memory and the fingerprint tables are
 *   emptied and the clicks replayed through the same engine in the order they happened,
 *   so the result is what the live engine would have built had it always run this version.
 * - **Numbers while it runs**: the legacy ones. The robust tables are being rebuilt in
 *   place, and a mix of old and new clusters would be neither algorithm's count.
 * - **Live clicks while it runs** are stored with their signals and resolved by the job,
 *   in id order, after the history before them (ClickEnvironment.deferIdentity). At the
 *   end the job holds the click writer for one read, resolves what is stored and then
 *   what is still queued, and hands the engine back to the redirects in the same tick:
 *   no click is resolved twice, none out of order.
 * - **Resumable**: every chunk commits with the job's progress (settings
 *   `fingerprinting_migration`). After a restart the engine's memory is reloaded as it
 *   stood at the cursor (identity-state-loader.ts) and the job goes on from there.
 */
export class FingerprintMigration {
  readonly #o: FingerprintMigrationOptions
  readonly #chunk: number
  #job: MigrationJob
  #deferring: boolean
  #running: Promise<void> | null = null
  #stop: 'close' | 'cancel' | null = null
  #starting = false

  private constructor(options: FingerprintMigrationOptions, job: MigrationJob) {
    this.#o = options
    this.#chunk = options.chunkSize ?? 1_000
    this.#job = job
    // A job interrupted by a restart defers live clicks from the first one: it resolves them when it gets there.
    this.#deferring = job.state === 'running'
  }

  /** Reads the persisted job. A running one is resumed by resume(), once the engine's state is loaded as at its cursor. */
  static async open(options: FingerprintMigrationOptions): Promise<FingerprintMigration> {
    return new FingerprintMigration(options, parseJob(await options.storage.settings.getSetting(MIGRATION_SETTING)))
  }

  /** Whether live clicks are left to the job (the pipeline's ClickEnvironment.deferIdentity). */
  get deferring(): boolean {
    return this.#deferring
  }

  /** The click the engine's state must be loaded up to at start: the cursor of an interrupted job, else undefined (all). */
  get resumeCursor(): number | undefined {
    return this.#job.state === 'running' ? this.#job.cursor : undefined
  }

  status(): MigrationStatus {
    return { algorithm: this.#o.fingerprinting.algorithm(), job: { ...this.#job } }
  }

  /** Starts the job; MIGRATION_RUNNING when one is running. Resolves once it has started, not when it ends. */
  async migrate(): Promise<MigrationStatus> {
    if (this.#starting || this.#running || this.#job.state === 'running') throw new AppError('MIGRATION_RUNNING')
    if (!this.#o.resetState) throw new AppError('MIGRATION_UNAVAILABLE')
    this.#starting = true
    try {
      // From this click on, live clicks wait for the job; those resolved before are written
      // before the tables are emptied, so none of their rows lands in the rebuilt ones.
      this.#deferring = true
      await this.#o.writer.flush()
      const job: MigrationJob = { ...IDLE, state: 'running', total: await this.#o.storage.clicks.countClicks(), startedAt: this.#o.clock.now() }
      await this.#o.fingerprinting.use('legacy')
      await this.#o.storage.identity.resetIdentity(this.#progress(job))
      this.#o.resetState()
      this.#o.onJob?.('running')
      this.#job = job
      this.#start()
      return this.status()
    } catch (error) {
      this.#deferring = this.#job.state === 'running'
      throw error
    } finally {
      this.#starting = false
    }
  }

  /** Serves the legacy numbers again; a running job is cancelled first (its half-built tables stay unused until the next migrate). */
  async rollback(): Promise<MigrationStatus> {
    if (this.#starting) throw new AppError('MIGRATION_RUNNING')
    if (this.#running) {
      this.#stop = 'cancel'
      await this.#running
    } else if (this.#job.state === 'running') {
      // Persisted as running but not resumed in this process (a command, not the server).
      await this.#finish('cancelled', null)
    }
    await this.#o.fingerprinting.use('legacy')
    return this.status()
  }

  /** Goes on with a job a restart interrupted; a no-op otherwise. */
  resume(): void {
    if (this.#running || this.#job.state !== 'running') return
    this.#job.resumes++
    this.#start()
  }

  /** Stops at the next chunk boundary and leaves the job to be resumed by the next start (server shutdown). */
  async stop(): Promise<void> {
    if (!this.#running) return
    this.#stop ??= 'close'
    await this.#running
  }

  /** Resolves when the job in this process ends (tests, the CLI). */
  async settled(): Promise<MigrationStatus> {
    await this.#running
    return this.status()
  }

  #start(): void {
    this.#stop = null
    this.#running = this.#run().finally(() => {
      this.#running = null
    })
  }

  async #run(): Promise<void> {
    try {
      for (;;) {
        if (this.#stop) break
        const done = await this.#step()
        if (done) {
          await this.#handOver()
          await this.#o.fingerprinting.use('robust')
          this.#job.total = this.#job.processed
          await this.#finish('done', null)
          return
        }
        // One chunk at a time, then the event loop: redirects are never held up by the job.
        await yieldToRedirects()
      }
      if (this.#stop === 'cancel') await this.#finish('cancelled', null)
    } catch (error) {
      this.#o.onError?.(error)
      await this.#finish('failed', error instanceof Error ? error.message.slice(0, 500) : String(error).slice(0, 500)).catch((e: unknown) => this.#o.onError?.(e))
    }
  }

  /** One chunk from storage; true when none was left. */
  async #step(): Promise<boolean> {
    const rows = await this.#o.storage.identity.clicksForRecompute(this.#job.cursor, this.#chunk)
    if (rows.length === 0) return true
    const out: RecomputedClick[] = []
    let skipped = 0
    for (const row of rows) {
      const recomputed = this.#recompute(row)
      if (recomputed === 'skipped') skipped++
      else if (recomputed) out.push({ id: row.id, ts: row.ts, ...recomputed })
    }
    const job: MigrationJob = { ...this.#job, cursor: rows.at(-1)!.id, processed: this.#job.processed + rows.length, skipped: this.#job.skipped + skipped }
    job.total = Math.max(job.total, job.processed)
    await this.#o.storage.identity.writeRecomputed(out, this.#progress(job))
    this.#job = job
    return false
  }

  /**
   * The end: with the writer held, what is stored is read and resolved, then what is
   * still queued is resolved in place, and the redirects get the engine back — the last
   * two in one tick, so no live click slips between the job and the redirects.
   */
  async #handOver(): Promise<void> {
    const writer = this.#o.writer
    await writer.pause()
    try {
      while (!(await this.#step()));
      // Every click's clusters were rewritten: the unique flags and rollups are counted again
      // from them, with the writer held so no batch counts against half-rebuilt tables.
      await this.#o.storage.analytics.rebuildRollups()
      for (const record of writer.queued) {
        const recomputed = this.#recompute(record.click)
        if (recomputed && recomputed !== 'skipped') applyTo(record, recomputed)
      }
      this.#deferring = false
    } finally {
      writer.resume()
    }
  }

  /** The identity columns and rows of one click; null for bots, 'skipped' for a human click stored without signals. */
  #recompute(click: StoredClick): Pick<RecomputedClick, 'columns' | 'effects'> | 'skipped' | null {
    if (click.is_bot !== 0) return null
    const signals = identitySignalsOfStoredClick(click)
    if (!signals) return 'skipped'
    const resolved = resolveIdentity(this.#o.engine, signals)
    const record = clickRecordOf(contextOf(click, signals, resolved), 'robust')
    const c = record.click
    const columns: RecomputedColumns = {
      browser_id: c.browser_id, device_id: c.device_id, confidence: c.confidence, identity_source: c.identity_source,
      fingerprint_version: c.fingerprint_version, fingerprint_id: c.fingerprint_id, session_hash: c.session_hash, device_hash: c.device_hash,
    }
    const { click: _click, ...effects } = record
    return { columns, effects }
  }

  async #finish(state: MigrationJobState, error: string | null): Promise<void> {
    this.#deferring = false
    this.#job = { ...this.#job, state, error, finishedAt: this.#o.clock.now() }
    await this.#o.storage.settings.setSetting(MIGRATION_SETTING, JSON.stringify(this.#job))
    this.#o.onJob?.(state)
  }

  #progress(job: MigrationJob): { key: string; value: string } {
    return { key: MIGRATION_SETTING, value: JSON.stringify(job) }
  }
}

/** A queued record, resolved in place before the writer stores it. */
function applyTo(record: ClickRecord, recomputed: Pick<RecomputedClick, 'columns' | 'effects'>): void {
  Object.assign(record.click, recomputed.columns)
  Object.assign(record, recomputed.effects)
}

/**
 * What clickRecordOf reads of a click's context, rebuilt from the stored click: the job
 * keeps only the identity columns and rows it makes, so the rest (referrer, bot flags,
 * signals JSON) only has to be well-typed, and the stored row keeps its own.
 */
function contextOf(click: StoredClick, signals: IdentitySignals, resolved: ResolvedIdentity): ClickContext {
  return {
    input: { ts: signals.ts, method: 'GET', peerIp: '', headers: {}, secure: false },
    link: { id: signals.linkId } as ClickContext['link'],
    clientIp: '', peerTrusted: false, ipHash: click.ip_hash, prefixHash: click.ip_prefix_hash,
    bot: { bot: false, reason: null }, userAgent: click.user_agent, referrerHost: null, mode: 'balanced',
    ua: signals.ua, language: signals.language, languageRegion: null, timezone: signals.timezone,
    sdkDevice: signals.sdkDevice, sdkBrowser: signals.sdkBrowser, geo: signals.geo,
    cookieId: signals.cookieId, newCookieId: signals.newCookieId,
    identity: resolved.decision, storedEntity: resolved.stored, storedEdges: resolved.edges, legacyId: null, setCookie: null, rejected: [],
  } as unknown as ClickContext
}

function parseJob(value: string | undefined): MigrationJob {
  if (value === undefined) return { ...IDLE }
  try {
    const parsed = JSON.parse(value) as Partial<MigrationJob>
    return { ...IDLE, ...parsed }
  } catch {
    return { ...IDLE }
  }
}
