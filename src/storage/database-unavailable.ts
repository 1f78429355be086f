/**
 * Whether an error means the database cannot be reached or cannot write now (a fault that
 * passes), as opposed to a bug or bad input. API routes answer these 503
 * DATABASE_UNAVAILABLE with Retry-After instead of 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') {
      // SQLite: disk full, I/O error, locked past busy_timeout, file gone or read-only.
      if (/^SQLITE_(FULL|IOERR|BUSY|LOCKED|CANTOPEN|READONLY|PROTOCOL)/.test(code)) return true
      // PostgreSQL SQLSTATE: 08 connection exception, 53 insufficient resources (disk full, too many connections),
      // 57P01–57P03 shut down or not accepting connections yet, 58 system error (I/O).
      if (/^(08...|53...|57P0[1-3]|58...)$/.test(code)) return true
      // The socket under pg.
      if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)$/.test(code)) return true
    }
    const message = e instanceof Error ? e.message : ''
    // pg says these in words, without a code.
    if (/Connection terminated|timeout exceeded when trying to connect|not queryable|Client was closed|connection error|click batch failed: SQLITE_(FULL|IOERR|BUSY|LOCKED|CANTOPEN|READONLY)/.test(message)) return true
  }
  return false
}
