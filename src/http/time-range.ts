import { AppError } from '../errors.js'
import type { TimeRange } from '../storage/storage.js'

/** `from`/`to` as ISO 8601 or epoch milliseconds; `to` is exclusive. */
export function parseTimeRange(query: { from?: string; to?: string }): TimeRange {
  const from = parseInstant(query.from, 'from')
  const to = parseInstant(query.to, 'to')
  if (from !== undefined && to !== undefined && from > to) throw new AppError('INVALID_RANGE', '"from" is after "to"')
  return { ...(from !== undefined && { from }), ...(to !== undefined && { to }) }
}

function parseInstant(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined
  const ms = /^\d{1,15}$/.test(value) ? Number(value) : /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN
  if (!Number.isFinite(ms) || ms < 0 || ms > 8.64e15) throw new AppError('INVALID_RANGE', `"${name}" must be an ISO 8601 date or epoch milliseconds`)
  return ms
}
