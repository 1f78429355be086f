import type { Insertable } from 'kysely'
import type { LinksTable } from './database.js'
import type { NewLink } from './storage.js'

/** The links row of a new link, as one link (links-repository) and a batch (link-batch-repository) write it. */
export function linkRowOf(link: NewLink): Insertable<LinksTable> {
  return {
    slug: link.slug,
    domain: link.domain ?? '',
    url: link.url,
    user_id: link.userId,
    created_at: link.createdAt,
    updated_at: link.updatedAt,
    expires_at: link.expiresAt,
    max_clicks: link.maxClicks,
    redirect_status: link.redirectStatus,
    redirect_mode: link.redirectMode ?? null,
    tags: JSON.stringify(link.tags),
  }
}
