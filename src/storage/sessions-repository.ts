import type { Kysely } from 'kysely'
import type { Database } from './database.js'
import type { Session } from './storage.js'

/** The sessions table (src/sessions keeps them here when no Redis is configured). */
export class SessionsRepository {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async createSession(session: Omit<Session, 'revokedAt' | 'rotatedTo'>): Promise<void> {
    await this.#db.insertInto('sessions').values(sessionRow(session)).execute()
  }

  async findSession(idHash: string): Promise<Session | undefined> {
    const row = await this.#db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst()
    return row && {
      idHash: row.id_hash,
      userId: row.user_id === null ? null : Number(row.user_id),
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
      revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
      deviceHash: row.device_hash,
      deviceCluster: row.device_cluster,
      rotatedTo: row.rotated_to,
    }
  }

  async revokeSession(idHash: string, at: number): Promise<boolean> {
    const result = await this.#db.updateTable('sessions').set({ revoked_at: at }).where('id_hash', '=', idHash).where('revoked_at', 'is', null).executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  /**
   * One transaction: when `oldIdHash` is alive at `at` (not revoked, not expired), marks it
   * rotated to `next` and creates `next`. False, and nothing written, otherwise.
   */
  async rotateSession(oldIdHash: string, next: Omit<Session, 'revokedAt' | 'rotatedTo'>, at: number): Promise<boolean> {
    // The conditional UPDATE is the lock: of two concurrent rotations of one id, the
    // second finds revoked_at set (PostgreSQL re-checks the row after the first commits;
    // SQLite runs one writer at a time) and writes nothing.
    return this.#db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('sessions')
        .set({ revoked_at: at, rotated_to: next.idHash })
        .where('id_hash', '=', oldIdHash)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', at)
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) !== 1) return false
      await trx.insertInto('sessions').values(sessionRow(next)).execute()
      return true
    })
  }

  /** Removes sessions that expired before `before`; returns how many. */
  async deleteExpiredSessions(before: number): Promise<number> {
    const result = await this.#db.deleteFrom('sessions').where('expires_at', '<', before).executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}

function sessionRow(session: Omit<Session, 'revokedAt' | 'rotatedTo'>) {
  return {
    id_hash: session.idHash,
    user_id: session.userId,
    created_at: session.createdAt,
    expires_at: session.expiresAt,
    device_hash: session.deviceHash ?? null,
    device_cluster: session.deviceCluster ?? null,
  }
}
