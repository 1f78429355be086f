import type { IdentitySource } from '../identity/identity-engine.js'

export const IDENTITY_SOURCES: readonly IdentitySource[] = ['request_cache', 'client_header', 'cookie', 'server_generated']

export interface SourceSample {
  readonly method: string
  /** Without the query string (it may carry anything). */
  readonly path: string
  readonly userAgent: string | null
}

export interface SourceBurstWarning {
  readonly serverGenerated: number
  readonly requests: number
  readonly share: number
  readonly windowMs: number
  /** Bursts seen since the last warning but not logged (the warning is rate-limited). */
  readonly suppressed: number
  readonly samples: readonly SourceSample[]
}

export interface SourceMonitorOptions {
  readonly now: () => number
  readonly warn: (details: SourceBurstWarning, message: string) => void
  /** Each identity resolved, e.g. a Prometheus counter. */
  readonly onSource?: (source: IdentitySource) => void
  /** The window a burst is judged over; 60 s. */
  readonly windowMs?: number
  /** server_generated identities in the window that make a burst; 20. */
  readonly minBurst?: number
  /** ...and their least share of the window's identified requests; 0.5. */
  readonly minShare?: number
  /** At most one warning per this long; 5 minutes. */
  readonly warnEveryMs?: number
  /** Requests described in a warning, sampled uniformly from those since the last one; 5. */
  readonly samples?: number
  /** Randomness for the sample (tests make it deterministic). */
  readonly random?: () => number
}

const BUCKETS = 6

/**
 * Seed 000's "Monitor & Optimize": counts fingerprint sources and warns when API clients
 * stop sending fingerprints (an SDK release that broke, a proxy stripping headers): a
 * burst of server_generated identities, sampled and rate-limited so the warning cannot
 * flood the log it is meant to stand out in.
 */
export class SourceMonitor {
  readonly #o: Required<Omit<SourceMonitorOptions, 'onSource'>> & Pick<SourceMonitorOptions, 'onSource'>
  readonly #totals: Record<IdentitySource, number> = { request_cache: 0, client_header: 0, cookie: 0, server_generated: 0 }
  readonly #buckets = Array.from({ length: BUCKETS }, () => ({ start: -Infinity, requests: 0, generated: 0 }))
  readonly #bucketMs: number
  #reservoir: SourceSample[] = []
  #seen = 0
  #lastWarn = -Infinity
  #suppressed = 0

  constructor(options: SourceMonitorOptions) {
    this.#o = {
      windowMs: 60_000, minBurst: 20, minShare: 0.5, warnEveryMs: 300_000, samples: 5, random: Math.random,
      ...options,
    }
    this.#bucketMs = this.#o.windowMs / BUCKETS
  }

  record(source: IdentitySource, sample: () => SourceSample): void {
    this.#totals[source]++
    this.#o.onSource?.(source)
    // request_cache repeats an identity already counted for this request: not a new request.
    if (source === 'request_cache') return
    const now = this.#o.now()
    const start = now - (now % this.#bucketMs)
    const bucket = this.#buckets[Math.floor(start / this.#bucketMs) % BUCKETS]!
    if (bucket.start !== start) {
      bucket.start = start
      bucket.requests = 0
      bucket.generated = 0
    }
    bucket.requests++
    if (source !== 'server_generated') return
    bucket.generated++
    this.#sample(sample)
    let requests = 0
    let generated = 0
    for (const b of this.#buckets) {
      if (b.start > now - this.#o.windowMs) {
        requests += b.requests
        generated += b.generated
      }
    }
    if (generated < this.#o.minBurst || generated < requests * this.#o.minShare) return
    if (now - this.#lastWarn < this.#o.warnEveryMs) {
      this.#suppressed++
      return
    }
    this.#lastWarn = now
    const details: SourceBurstWarning = {
      serverGenerated: generated, requests, share: Math.round((generated / requests) * 100) / 100,
      windowMs: this.#o.windowMs, suppressed: this.#suppressed, samples: this.#reservoir,
    }
    this.#reservoir = []
    this.#seen = 0
    this.#suppressed = 0
    this.#o.warn(details, 'API clients stopped sending X-Device-Fingerprint: a burst of server-generated identities')
  }

  /** Identities resolved since start, by source (for the debug stats). */
  totals(): Readonly<Record<IdentitySource, number>> {
    return { ...this.#totals }
  }

  // Algorithm R: each server_generated request since the last warning is equally likely to be described.
  #sample(describe: () => SourceSample): void {
    this.#seen++
    if (this.#reservoir.length < this.#o.samples) this.#reservoir.push(describe())
    else {
      const j = Math.floor(this.#o.random() * this.#seen)
      if (j < this.#o.samples) this.#reservoir[j] = describe()
    }
  }
}
