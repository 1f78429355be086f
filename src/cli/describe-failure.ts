/**
 * What an operator can act on, for a failure outside linkprint's own errors: a file that
 * is not there, a port in use, a database that refuses the connection. Null for anything
 * else — a bug keeps its stack trace.
 */
export function describeFailure(error: unknown): string | null {
  if (!(error instanceof Error)) return null
  const { code, syscall } = error as { code?: unknown; syscall?: unknown }
  if (typeof code !== 'string') return null
  const hint = HINTS[code]
  // Node's system errors (fs, net) carry the syscall; better-sqlite3's carry SQLITE_ codes.
  if (typeof syscall === 'string' || code.startsWith('SQLITE_CANTOPEN') || hint) return hint ? `${error.message} (${hint})` : error.message
  return null
}

const HINTS: Record<string, string> = {
  EADDRINUSE: 'another process listens there: stop it or set PORT',
  ECONNREFUSED: 'is the database server running? check DATABASE_URL',
  ENOTFOUND: 'the host in DATABASE_URL or REDIS_URL does not resolve',
  SQLITE_CANTOPEN: 'check the path in DATABASE_URL: its folder must be writable',
  EACCES: 'permission denied',
}
