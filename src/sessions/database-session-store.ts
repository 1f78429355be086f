import type { Clock } from '../clock.js'
import type { SessionsRepository } from '../storage/sessions-repository.js'
import type { DialectName } from '../storage/storage.js'
import type { NewSession, SessionStore, StoredSession } from './session-store.js'

const HOUR = 3_600_000

export interface DatabaseSessionStoreOptions {
  readonly clock: Clock
  /** How often expired sessions are deleted; 0 turns the sweep off (tests, CLI). */
  readonly sweepEveryMs?: number
  /** How long an expired or rotated session is kept, so a replayed id is still recognised as one. */
  readonly keepExpiredMs?: number
  readonly onError?: (error: unknown) => void
}

/** The sessions repository, and the dialect under it (the store's `kind`). */
export interface SessionStoreStorage {
  readonly dialect: DialectName
  readonly sessions: Pick<SessionsRepository, 'createSession' | 'findSession' | 'rotateSession' | 'revokeSession' | 'deleteExpiredSessions'>
}

/**
 * Sessions in the `sessions` table, through the sessions repository (both dialects).
 * Rotation is one transaction with a conditional UPDATE (sessions-repository.ts). The
 * database has no TTL: a timer deletes expired rows.
 */
export class DatabaseSessionStore implements SessionStore {
  readonly kind: string
  readonly #storage: SessionStoreStorage
  readonly #timer: NodeJS.Timeout | undefined

  constructor(storage: SessionStoreStorage, options: DatabaseSessionStoreOptions) {
    this.#storage = storage
    this.kind = storage.dialect
    const every = options.sweepEveryMs ?? HOUR
    const keep = options.keepExpiredMs ?? 24 * HOUR
    if (every > 0) {
      this.#timer = setInterval(() => {
        storage.sessions.deleteExpiredSessions(options.clock.now() - keep).catch((error: unknown) => options.onError?.(error))
      }, every)
      // A sweep is housekeeping: it must never keep the process alive.
      this.#timer.unref()
    }
  }

  create(session: NewSession): Promise<void> {
    return this.#storage.sessions.createSession(session)
  }

  async find(idHash: string): Promise<StoredSession | undefined> {
    const row = await this.#storage.sessions.findSession(idHash)
    return row && {
      idHash: row.idHash, userId: row.userId, createdAt: row.createdAt, expiresAt: row.expiresAt, revokedAt: row.revokedAt,
      deviceHash: row.deviceHash ?? null, deviceCluster: row.deviceCluster ?? null, rotatedTo: row.rotatedTo ?? null,
    }
  }

  rotate(oldIdHash: string, next: NewSession, at: number): Promise<boolean> {
    return this.#storage.sessions.rotateSession(oldIdHash, next, at)
  }

  revoke(idHash: string, at: number): Promise<boolean> {
    return this.#storage.sessions.revokeSession(idHash, at)
  }

  /** The storage belongs to the caller (linkprint closes it); only the sweep stops here. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
  }
}
