/**
 * Whether an error means Redis cannot be reached now (refused, cut, timed out, or its
 * connection is between reconnects), as ioredis reports it. What needs Redis then answers
 * 503 REDIS_UNAVAILABLE with Retry-After instead of 500.
 */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  if (error.name === 'MaxRetriesPerRequestError') return true
  // Not bare socket codes (ECONNRESET): pg reports those too, and a database fault is not Redis's.
  return /Stream isn't writeable|Connection is closed|Command timed out|enableOfflineQueue|LOADING |MASTERDOWN|READONLY You can't write/.test(error.message)
}
