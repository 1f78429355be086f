import type { Kysely } from 'kysely'
import type { IdentitySnapshotStore } from '../identity/snapshot/snapshot-store.js'
import type { Database } from './database.js'

/** Parts per INSERT: a part is up to a few MB. */
const INSERT_SLICE = 8

/** The identity snapshot in the database (migration 010): PostgreSQL's place for it; one transaction replaces it. */
export class IdentitySnapshotRepository implements IdentitySnapshotStore {
  readonly where = 'the database (identity_snapshot_parts)'
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async read(): Promise<Buffer[] | null> {
    const rows = await this.#db.selectFrom('identity_snapshot_parts').select(['part', 'data']).orderBy('part').execute()
    return rows.length === 0 ? null : rows.map((r) => Buffer.from(r.data))
  }

  /** The parts are gathered first, so the transaction lasts the writing only, not the encoding. */
  async write(parts: AsyncIterable<Buffer>): Promise<void> {
    const all: Buffer[] = []
    for await (const part of parts) all.push(part)
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('identity_snapshot_parts').execute()
      for (let i = 0; i < all.length; i += INSERT_SLICE) {
        await trx.insertInto('identity_snapshot_parts').values(all.slice(i, i + INSERT_SLICE).map((data, j) => ({ part: i + j, data }))).execute()
      }
    })
  }

  async discard(): Promise<void> {
    await this.#db.deleteFrom('identity_snapshot_parts').execute()
  }
}
