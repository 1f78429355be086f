import type { ClickWriterChange } from './click-writer.js'

interface Log {
  info(details: object, message: string): void
  warn(details: object, message: string): void
  error(details: object, message: string): void
}

/** One line per change of the click writer's state, saying what it means for the clicks. */
export function logClickWriterChange(log: Log | undefined, change: ClickWriterChange): void {
  if (!log) return
  switch (change.state) {
    case 'failing':
      return log.error({ err: change.error }, 'click writes are failing: clicks stay queued (up to CLICK_QUEUE_MAX) and are retried until the database takes them')
    case 'writing':
      return log.info({ failedMs: change.failedMs, attempts: change.attempts }, 'click writes recovered: the queued clicks are being written')
    case 'dropping':
      return log.error({}, 'click queue full (CLICK_QUEUE_MAX): new clicks are dropped and counted in linkprint_clicks_dropped_total')
    case 'not_dropping':
      return log.warn({ dropped: change.dropped }, 'click queue has room again: clicks are queued again')
  }
}
