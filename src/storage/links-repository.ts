import { sql, type Kysely, type Selectable } from 'kysely'
import { AppError } from '../errors.js'
import type { Database, LinksTable } from './database.js'
import { linkRowOf } from './link-row.js'
import { forgetLinkRollups } from './rollups/rollup-adjustments.js'
import type { Link, LinkPatch, LinkQuery, NewLink, RedirectStatus } from './storage.js'

/** The links table. */
export class LinksRepository {
  readonly #db: Kysely<Database>
  readonly #isUniqueViolation: (error: unknown) => boolean

  constructor(db: Kysely<Database>, isUniqueViolation: (error: unknown) => boolean) {
    this.#db = db
    this.#isUniqueViolation = isUniqueViolation
  }

  /** Throws AppError SLUG_TAKEN when the slug exists. */
  async createLink(link: NewLink): Promise<Link> {
    try {
      const row = await this.#db
        .insertInto('links')
        .values(linkRowOf(link))
        .returningAll()
        .executeTakeFirstOrThrow()
      return toLink(row)
    } catch (error) {
      if (this.#isUniqueViolation(error)) throw new AppError('SLUG_TAKEN')
      throw error
    }
  }

  /** `domain`: '' (the default domain) unless given. */
  async findLinkBySlug(slug: string, domain = ''): Promise<Link | undefined> {
    const row = await this.#db.selectFrom('links').selectAll().where('domain', '=', domain).where('slug', '=', slug).executeTakeFirst()
    return row && toLink(row)
  }

  async listLinks(query: LinkQuery): Promise<Link[]> {
    let q = this.#db.selectFrom('links').selectAll().orderBy('id', 'desc').limit(query.limit)
    if (query.userId !== undefined) q = q.where('user_id', '=', query.userId)
    if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId)
    // Tags are a JSON array of validated strings (no quotes inside), so the quoted tag is an exact element match.
    if (query.tag !== undefined) q = q.where(sql<boolean>`tags LIKE ${containsPattern(JSON.stringify(query.tag))} ESCAPE '\\'`)
    if (query.search !== undefined) {
      // lower() on both sides: PostgreSQL's LIKE is case-sensitive and SQLite's is not, so
      // neither dialect's default decides. Slugs and stored URLs are ASCII (URLs are stored
      // percent-encoded), where both lower() agree.
      const pattern = containsPattern(query.search.toLowerCase())
      q = q.where(sql<boolean>`(lower(slug) LIKE ${pattern} ESCAPE '\\' OR lower(url) LIKE ${pattern} ESCAPE '\\')`)
    }
    const rows = await q.execute()
    return rows.map(toLink)
  }

  async updateLink(id: number, patch: LinkPatch): Promise<Link | undefined> {
    const row = await this.#db
      .updateTable('links')
      .set({
        ...(patch.url !== undefined && { url: patch.url }),
        ...(patch.expiresAt !== undefined && { expires_at: patch.expiresAt }),
        ...(patch.maxClicks !== undefined && { max_clicks: patch.maxClicks }),
        ...(patch.redirectStatus !== undefined && { redirect_status: patch.redirectStatus }),
        ...(patch.redirectMode !== undefined && { redirect_mode: patch.redirectMode }),
        ...(patch.tags !== undefined && { tags: JSON.stringify(patch.tags) }),
        updated_at: patch.updatedAt,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
    return row && toLink(row)
  }

  /** Removes the link and its clicks. */
  async deleteLink(id: number): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      await forgetLinkRollups(trx, id)
      await trx.deleteFrom('clicks').where('link_id', '=', id).execute()
      const result = await trx.deleteFrom('links').where('id', '=', id).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    })
  }
}

function toLink(row: Selectable<LinksTable>): Link {
  return {
    id: Number(row.id),
    slug: row.slug,
    url: row.url,
    userId: Number(row.user_id),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    maxClicks: row.max_clicks === null ? null : Number(row.max_clicks),
    redirectStatus: row.redirect_status as RedirectStatus,
    redirectMode: row.redirect_mode === 'direct' || row.redirect_mode === 'bridge' ? row.redirect_mode : null,
    tags: JSON.parse(row.tags) as string[],
    clickCount: Number(row.click_count),
    domain: row.domain,
  }
}

/**
 * A LIKE pattern matching `text` anywhere, its own `%`, `_` and backslash taken
 * literally. Used with an explicit `ESCAPE`: SQLite has no default escape character, so
 * without one a searched `_` would still match any character there.
 */
function containsPattern(text: string): string {
  return `%${text.replace(/[%_\\]/g, '\\$&')}%`
}
