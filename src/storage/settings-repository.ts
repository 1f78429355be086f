import type { Kysely } from 'kysely'
import type { Database } from './database.js'

/** The settings table: the instance secret, the fingerprinting algorithm, the migration job's progress. */
export class SettingsRepository {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  /** Stores the value unless one is already there; returns the one that is kept (first writer wins across instances). */
  async ensureSetting(key: string, value: string): Promise<string> {
    await this.#db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute()
    const row = await this.#db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow()
    return row.value
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.#db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute()
  }

  async getSetting(key: string): Promise<string | undefined> {
    return (await this.#db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value
  }
}
