import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { IdentitySource } from '../identity/identity-engine.js'

const IDENTITY_SOURCES: readonly IdentitySource[] = ['request_cache', 'client_header', 'cookie', 'server_generated']

/**
 * A counter's labelled child as the redirect path counts it: a plain number, handed to
 * prom-client when the counter is collected (a scrape). prom-client's own inc hashes the
 * child's labels on every call, ~0.15 µs, and a redirect counts twice.
 */
export class Tally {
  #pending = 0
  readonly #child: Counter.Internal

  constructor(child: Counter.Internal) {
    this.#child = child
  }

  inc(by = 1): void {
    this.#pending += by
  }

  /** Called from the counter's collect(). */
  flush(): void {
    if (this.#pending === 0) return
    this.#child.inc(this.#pending)
    this.#pending = 0
  }
}

/** One registry per service instance, so tests can run several side by side. */
export function createMetrics(options: {
  queueDepth: () => number
  retentionLastRun?: () => number | null
  /** With REDIS_URL: changes applied from other instances, and changes this one could not send. */
  replication?: () => { applied: number; lost: number } | null
  defaultMetrics?: boolean
}) {
  const registry = new Registry()
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'linkprint_' })
  const tallies: Tally[] = []
  const tally = (child: Counter.Internal) => {
    const t = new Tally(child)
    tallies.push(t)
    return t
  }
  const collect = () => { for (const t of tallies) t.flush() }
  let openConnections: () => number = () => 0
  new Gauge({ name: 'linkprint_connections_open', help: 'Client connections open now', registers: [registry], collect() { this.set(openConnections()) } })
  const redirects = new Counter({ name: 'linkprint_redirects_total', help: 'Answers of GET/HEAD /:slug by outcome', labelNames: ['outcome'] as const, registers: [registry], collect })
  const identitySources = new Counter({ name: 'linkprint_identity_source_total', help: 'Identities resolved, by seed 000 tier (source) and where (path: api, redirect)', labelNames: ['source', 'path'] as const, registers: [registry], collect })
  // Children made up front: every series is exported from the start (at 0), and the hot path increments without a label lookup.
  const sourcesOf = (path: 'api' | 'redirect') => Object.fromEntries(IDENTITY_SOURCES.map((source) => {
    const child = identitySources.labels(source, path)
    child.inc(0)
    return [source, child]
  })) as Record<IdentitySource, Counter.Internal>
  const redirectSources = sourcesOf('redirect')
  return {
    registry,
    redirects: {
      redirect: tally(redirects.labels('redirect')),
      bot: tally(redirects.labels('bot')),
      notFound: tally(redirects.labels('not_found')),
      expired: tally(redirects.labels('link_expired')),
      exhausted: tally(redirects.labels('link_exhausted')),
    },
    identitySources: {
      api: sourcesOf('api'),
      redirect: Object.fromEntries(IDENTITY_SOURCES.map((source) => [source, tally(redirectSources[source])])) as Record<IdentitySource, Tally>,
    },
    tokenRefreshes: new Counter({ name: 'linkprint_token_refreshes_total', help: 'POST /api/auth/refresh by outcome (refreshed, or why it failed)', labelNames: ['outcome'] as const, registers: [registry] }),
    sessionRecoveries: new Counter({ name: 'linkprint_session_recoveries_total', help: 'POST /api/auth/recover by outcome (recovered, or why it failed)', labelNames: ['outcome'] as const, registers: [registry] }),
    clicksWritten: new Counter({ name: 'linkprint_clicks_written_total', help: 'Clicks committed to storage', registers: [registry] }),
    clicksDropped: new Counter({ name: 'linkprint_clicks_dropped_total', help: 'Clicks lost, by reason (queue_full, write_failed)', labelNames: ['reason'] as const, registers: [registry] }),
    flushSeconds: new Histogram({ name: 'linkprint_click_flush_seconds', help: 'Time to write one batch of clicks', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1], registers: [registry] }),
    retentionDeleted: new Counter({ name: 'linkprint_retention_deleted_rows_total', help: 'Rows RETENTION_DAYS deleted, by table (clicks, enhanced_fingerprints, fingerprint_correlations)', labelNames: ['table'] as const, registers: [registry] }),
    // Something to alert on: with RETENTION_DAYS set, a value older than a few hours means nothing is being deleted.
    retentionLastRun: new Gauge({
      name: 'linkprint_retention_last_run_seconds', help: 'When the last complete retention run ended (Unix seconds; 0: none yet)', registers: [registry],
      collect() { const at = options.retentionLastRun?.() ?? null; this.set(at === null ? 0 : at / 1000) },
    }),
    visitorErasures: new Counter({ name: 'linkprint_visitor_erasures_total', help: 'Per-visitor deletions, by who asked (visitor, admin)', labelNames: ['by'] as const, registers: [registry] }),
    connectionsRefused: new Counter({ name: 'linkprint_connections_refused_total', help: 'Connections closed at once: their address held CONNECTIONS_PER_ADDRESS already', registers: [registry] }),
    /** Points the open-connections gauge at the server's count (http/connection-limits.ts). */
    openConnections: (count: () => number) => { openConnections = count },
    queueDepth: new Gauge({ name: 'linkprint_click_queue_depth', help: 'Clicks waiting to be written', registers: [registry], collect() { this.set(options.queueDepth()) } }),
    // Counted by the replication itself; read when scraped. Lost changes mean instances may disagree until a restart.
    replicationApplied: new Counter({
      name: 'linkprint_identity_replication_applied_total', help: 'Identity engine changes applied from other instances (REDIS_URL)', registers: [registry],
      collect() { const r = options.replication?.(); if (r) { this.reset(); this.inc(r.applied) } },
    }),
    replicationLost: new Counter({
      name: 'linkprint_identity_replication_lost_total', help: 'Identity engine changes this instance could not send to the others (Redis unreachable)', registers: [registry],
      collect() { const r = options.replication?.(); if (r) { this.reset(); this.inc(r.lost) } },
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
