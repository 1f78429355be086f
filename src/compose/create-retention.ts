import type { Clock } from '../clock.js'
import type { Config } from '../config/config.js'
import type { IdentityEngine } from '../identity/identity-engine.js'
import type { Metrics } from '../metrics/metrics.js'
import { RetentionJob, type RetentionJobOptions } from '../privacy/retention-job.js'
import { VisitorData, type VisitorDataOptions } from '../privacy/visitor-data.js'
import type { IdentitySnapshotJob } from '../jobs/identity-snapshot-job.js'
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
  /** The identity snapshot: what leaves the engine's memory leaves it too. */
  snapshots?: IdentitySnapshotJob | null
}): { retention: RetentionJob; visitorData: VisitorData } {
  const { storage, identity } = parts
  const retention = new RetentionJob({
    storage, clock: parts.clock, days: config.retentionDays,
    batchSize: parts.retention?.batchSize,
    intervalMs: parts.retention?.intervalMs,
    onDeleted: (table, count) => parts.metrics.retentionDeleted.labels(table).inc(count),
    onExpired: (cutoff) => {
      identity.state.expire(cutoff)
      // The next start must not bring the expired contexts back: a snapshot without them replaces the last.
      parts.snapshots?.write().catch((error: unknown) => parts.onError?.(error))
    },
    onError: parts.onError,
  })
  const visitorData = new VisitorData({
    storage, writer: parts.writer, state: () => identity.state, batchSize: parts.retention?.batchSize,
    // No snapshot may hold an erased visitor: the stored one goes at once, and one without them is written.
    onErased: parts.snapshots ? async () => {
      await parts.snapshots!.discard()
      parts.snapshots!.write().catch((error: unknown) => parts.onError?.(error))
    } : undefined,
  })
  return { retention, visitorData }
}
