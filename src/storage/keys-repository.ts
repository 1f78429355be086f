import type { Kysely, Selectable } from 'kysely'
import type { Database } from './database.js'
import type { ApiKey } from './storage.js'

/** The api_keys table: keys are kept as hashes, shown by their prefix. */
export class KeysRepository {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async createApiKey(key: Omit<ApiKey, 'id' | 'revokedAt'> & { keyHash: string }): Promise<ApiKey> {
    const row = await this.#db
      .insertInto('api_keys')
      .values({ user_id: key.userId, name: key.name, prefix: key.prefix, key_hash: key.keyHash, created_at: key.createdAt })
      .returningAll()
      .executeTakeFirstOrThrow()
    return toApiKey(row)
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKey | undefined> {
    const row = await this.#db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst()
    return row && toApiKey(row)
  }

  async revokeApiKey(id: number, at: number): Promise<boolean> {
    const result = await this.#db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async listApiKeys(userId: number): Promise<ApiKey[]> {
    const rows = await this.#db.selectFrom('api_keys').selectAll().where('user_id', '=', userId).orderBy('id').execute()
    return rows.map(toApiKey)
  }
}

function toApiKey(row: Selectable<Database['api_keys']>): ApiKey {
  return { id: Number(row.id), userId: Number(row.user_id), name: row.name, prefix: row.prefix, createdAt: Number(row.created_at), revokedAt: row.revoked_at }
}
