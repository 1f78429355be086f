import type { Config } from '../config/config.js'
import type { LinkprintLog } from '../linkprint.js'
import type { Metrics } from '../metrics/metrics.js'
import { ClickWriter, type ClickWriterStorage } from '../storage/click-writer.js'
import { logClickWriterChange } from '../storage/log-click-writer-change.js'

/** The bounded click queue and its group commit, counted in /metrics and its failures logged (both read late: the metrics need the writer's depth). */
export function createClickWriter(config: Config, storage: ClickWriterStorage, options: { metrics: () => Metrics | undefined; log: () => LinkprintLog | undefined }): ClickWriter {
  return new ClickWriter(storage, {
    maxQueue: config.clickQueueMax,
    maxBatch: config.clickBatchMax,
    flushMs: config.clickFlushMs,
    onFlushed(count, ms) {
      options.metrics()?.clicksWritten.inc(count)
      options.metrics()?.flushSeconds.observe(ms / 1000)
    },
    onDropped: (reason, count) => options.metrics()?.clicksDropped.labels(reason).inc(count),
    onStateChange: (change) => logClickWriterChange(options.log(), change),
  })
}
