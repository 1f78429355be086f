/** A session as stored: only the hash of its id is ever kept. */
export interface StoredSession {
  readonly idHash: string
  /** null: an anonymous visitor's session (seed 000, case 1). */
  readonly userId: number | null
  readonly createdAt: number
  readonly expiresAt: number
  readonly revokedAt: number | null
  /** Keyed hash of the X-Device-Fingerprint the session is bound to; null: not bound, not recoverable. */
  readonly deviceHash: string | null
  /** The identity engine's device cluster of that fingerprint when the session was bound, when it knew one. */
  readonly deviceCluster: string | null
  /** Set when a recovery replaced this session: the successor's id hash. */
  readonly rotatedTo: string | null
}

export type NewSession = Omit<StoredSession, 'revokedAt' | 'rotatedTo'>

/**
 * Where sessions live: Redis when REDIS_URL is set (redis-session-store.ts), the database
 * otherwise (database-session-store.ts). Both pass test/sessions/session-store.test.ts.
 */
export interface SessionStore {
  /** `redis`, or the database dialect. */
  readonly kind: string
  create(session: NewSession): Promise<void>
  /** The session as stored, revoked, rotated or expired ones included (until they are cleaned up), so callers can say why one fails. */
  find(idHash: string): Promise<StoredSession | undefined>
  /**
   * Atomically: when `oldIdHash` is alive at `at`, marks it revoked and rotated to `next`
   * and creates `next`. False, and nothing written, when it was not alive (unknown,
   * expired, revoked, rotated already, or rotated concurrently by another request).
   */
  rotate(oldIdHash: string, next: NewSession, at: number): Promise<boolean>
  /** False when there was no live session to revoke. */
  revoke(idHash: string, at: number): Promise<boolean>
  close(): Promise<void>
}

export function isAlive(session: StoredSession | undefined, now: number): session is StoredSession {
  return session !== undefined && session.revokedAt === null && session.expiresAt > now
}
