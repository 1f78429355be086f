import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** One registry per service instance, so tests can run several side by side. */
export function createMetrics(options: { queueDepth: () => number; defaultMetrics?: boolean }) {
  const registry = new Registry()
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'linkprint_' })
  const redirects = new Counter({ name: 'linkprint_redirects_total', help: 'Answers of GET/HEAD /:slug by outcome', labelNames: ['outcome'] as const, registers: [registry] })
  return {
    registry,
    redirects: {
      redirect: redirects.labels('redirect'),
      bot: redirects.labels('bot'),
      notFound: redirects.labels('not_found'),
      expired: redirects.labels('link_expired'),
      exhausted: redirects.labels('link_exhausted'),
    },
    clicksWritten: new Counter({ name: 'linkprint_clicks_written_total', help: 'Clicks committed to storage', registers: [registry] }),
    clicksDropped: new Counter({ name: 'linkprint_clicks_dropped_total', help: 'Clicks lost, by reason (queue_full, write_failed)', labelNames: ['reason'] as const, registers: [registry] }),
    flushSeconds: new Histogram({ name: 'linkprint_click_flush_seconds', help: 'Time to write one batch of clicks', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1], registers: [registry] }),
    queueDepth: new Gauge({ name: 'linkprint_click_queue_depth', help: 'Clicks waiting to be written', registers: [registry], collect() { this.set(options.queueDepth()) } }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
