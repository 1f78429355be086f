import type { FastifyRequest } from 'fastify'
import type { Link } from '../storage/storage.js'

/** A link as the API shows it. */
export function linkJson(link: Link, baseUrl: string, clicks = link.clickCount) {
  return {
    slug: link.slug,
    url: link.url,
    shortUrl: `${baseUrl}/${link.slug}`,
    createdAt: new Date(link.createdAt).toISOString(),
    updatedAt: new Date(link.updatedAt).toISOString(),
    expiresAt: link.expiresAt === null ? null : new Date(link.expiresAt).toISOString(),
    maxClicks: link.maxClicks,
    redirectStatus: link.redirectStatus,
    tags: link.tags,
    clicks,
  }
}

/** A request's base URL: PUBLIC_URL when set; otherwise the scheme and host the request came in on. */
export function baseUrlFrom(publicUrl: string | undefined): (request: FastifyRequest) => string {
  return (request) => publicUrl ?? `${request.protocol}://${request.host}`
}
