import type { FastifyRequest } from 'fastify'
import type { Link } from '../storage/storage.js'

/** A link as the API shows it; `baseUrl`: the default domain's (baseUrlOf). */
export function linkJson(link: Link, baseUrl: string, clicks = link.clickCount) {
  const base = linkBaseUrl(link, baseUrl)
  return {
    slug: link.slug,
    url: link.url,
    shortUrl: `${base}/${link.slug}`,
    domain: new URL(base).host,
    createdAt: new Date(link.createdAt).toISOString(),
    updatedAt: new Date(link.updatedAt).toISOString(),
    expiresAt: link.expiresAt === null ? null : new Date(link.expiresAt).toISOString(),
    maxClicks: link.maxClicks,
    redirectStatus: link.redirectStatus,
    redirectMode: link.redirectMode,
    tags: link.tags,
    clicks,
  }
}

/** A request's base URL: PUBLIC_URL when set; otherwise the scheme and host the request came in on. */
export function baseUrlFrom(publicUrl: string | undefined): (request: FastifyRequest) => string {
  return (request) => publicUrl ?? `${request.protocol}://${request.host}`
}

/** The URL a link is shared as. */
export function shortUrlOf(link: Link, defaultBaseUrl: string): string {
  return `${linkBaseUrl(link, defaultBaseUrl)}/${link.slug}`
}

/** A short domain's base URL: its host, with the default domain's scheme. */
function linkBaseUrl(link: Link, defaultBaseUrl: string): string {
  return link.domain === '' ? defaultBaseUrl : `${new URL(defaultBaseUrl).protocol}//${link.domain}`
}
