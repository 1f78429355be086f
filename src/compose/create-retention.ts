import type { Clock } from '../clock.js'
import type { Config } from '../config/config.js'
import type { IdentityEngine } from '../identity/identity-engine.js'
import type { Metrics } from '../metrics/metrics.js'
import { RetentionJob, type RetentionJobOptions } from '../privacy/retention-job.js'
import { VisitorData, type VisitorDataOptions } from '../privacy/visitor-data.js'
import type { ClickWriter } from '../storage/click-writer.js'

/** RETENTION_DAYS' job and per-visitor export and erasure: what is deleted leaves the engine's memory too. */
export function createRetention(config: Config, parts: {
  storage: RetentionJobOptions['storage'] & VisitorDataOptions['storage']
  writer: ClickWriter
  clock: Clock
  identity: IdentityEngine
  metrics: Metrics
  /** Rows per statement (5 000), and time between runs (1 h). */
  retention?: { batchSize?: number; intervalMs?: number }
  onError?: (error: unknown) => void
}): { retention: RetentionJob; visitorData: VisitorData } {
  const { storage, identity } = parts
  const retention = new RetentionJob({
    storage, clock: parts.clock, days: config.retentionDays,
    batchSize: parts.retention?.batchSize,
    intervalMs: parts.retention?.intervalMs,
    onDeleted: (table, count) => parts.metrics.retentionDeleted.labels(table).inc(count),
    onExpired: (cutoff) => identity.state.expire(cutoff),
    onError: parts.onError,
  })
  const visitorData = new VisitorData({ storage, writer: parts.writer, state: () => identity.state, batchSize: parts.retention?.batchSize })
  return { retention, visitorData }
}
