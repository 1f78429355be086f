import type { Kysely } from 'kysely'
import type { Database } from './database.js'
import { linkRowOf } from './link-row.js'
import type { NewLink } from './storage.js'

/** Rows a statement may carry: SQLite binds at most 32 766 parameters, a link takes 11. */
export const LINK_BATCH_MAX = 1_000

/** Links written many at a time (bulk import). */
export class LinkBatchRepository {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  /**
   * Inserts the links in one statement; a slug already taken on its domain (or twice in
   * the batch) is left as it is. Returns the `domain slug` keys of the links inserted, so
   * the caller knows which were skipped.
   */
  async insertLinksSkippingTaken(links: readonly NewLink[]): Promise<Set<string>> {
    if (links.length === 0) return new Set()
    const rows = await this.#db
      .insertInto('links')
      .values(links.map(linkRowOf))
      .onConflict((oc) => oc.columns(['domain', 'slug']).doNothing())
      .returning(['domain', 'slug'])
      .execute()
    return new Set(rows.map((r) => `${r.domain} ${r.slug}`))
  }
}
