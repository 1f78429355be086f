import { randomInt } from 'node:crypto'
import { AppError } from '../errors.js'

export const SLUG_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/**
 * First path segments the service owns or may own later, and files browsers and crawlers
 * ask for. Compared case-insensitively, so "API" cannot shadow "api" either.
 */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'api', 'admin', 'dashboard', 'dashboard-assets', 'sdk', 'metrics', 'healthz', 'health', 'readyz', 'static', 'assets', 'public',
  'login', 'logout', 'signup', 'register', 'auth', 'account', 'settings', 'docs', 'help', 'about', 'status',
  'robots.txt', 'favicon.ico', 'sitemap.xml', 'well-known', '.well-known', 'manifest.json', '_next', 'app',
])

// No look-alikes (0/O, 1/l/I) in generated slugs: they are read aloud and retyped.
const ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'

export function assertValidSlug(slug: string): void {
  if (!SLUG_PATTERN.test(slug)) throw new AppError('INVALID_SLUG')
  if (RESERVED_SLUGS.has(slug.toLowerCase())) throw new AppError('SLUG_RESERVED', `"${slug}" is reserved`)
}

export function randomSlug(length = 7): string {
  let slug = ''
  for (let i = 0; i < length; i++) slug += ALPHABET[randomInt(ALPHABET.length)]
  return slug
}
