import type { Clock } from '../clock.js'
import { AppError } from '../errors.js'
import type { LinksRepository } from '../storage/links-repository.js'
import type { Link, LinkPatch, RedirectStatus } from '../storage/storage.js'
import type { User } from '../storage/storage.js'
import { LruCache } from '../signals/lru-cache.js'
import { isDatabaseUnavailable } from '../storage/database-unavailable.js'
import { assertValidSlug, randomSlug } from './slug.js'
import { normaliseTargetUrl } from './target-url.js'

export interface LinkInput {
  url: string
  slug?: string
  expiresAt?: number | null
  maxClicks?: number | null
  redirectStatus?: RedirectStatus
  tags?: string[]
}

export type LinkUpdate = Partial<Omit<LinkInput, 'slug'>>

export const MAX_TAGS = 20
/** While the database is down, how often a stale cached link is checked again. */
const STALE_RETRY_MS = 1_000
export const TAG_PATTERN = /^[\p{L}\p{N} _.:\/-]{1,40}$/u

/** The links repository, every part of it: the service is its one user over HTTP. */
export interface LinkServiceStorage {
  readonly links: Pick<LinksRepository, 'findLinkBySlug' | 'createLink' | 'listLinks' | 'updateLink' | 'deleteLink'>
}

/**
 * Links as users manage them, and as the redirect reads them: from the cache, with the
 * human clicks counted here so a click limit holds without waiting for the database.
 */
export class LinkService {
  readonly #storage: LinkServiceStorage
  /**
   * Misses are cached too (null), so a scan of random slugs cannot turn into one query
   * each; the TTL bounds how stale a link may be after another instance changed it.
   */
  readonly #cache: LruCache<string, { readonly link: Link | null; readonly loadedAt: number }>
  readonly #ttlMs: number
  readonly #clock: Clock
  readonly #ownHosts: () => readonly string[]
  /** Human clicks seen since each cached link was read from the database. */
  readonly #clicksSinceLoad = new Map<number, number>()
  readonly #pendingClicks: (linkId: number) => number
  readonly #onChanged: ((slug: string) => Promise<void>) | undefined

  constructor(options: {
    storage: LinkServiceStorage
    clock: Clock
    cacheMax: number
    cacheTtlMs: number
    ownHosts: () => readonly string[]
    /** Human clicks queued or being written for a link; the database count does not have them yet. */
    pendingClicks: (linkId: number) => number
    /** A link was created, changed or deleted here: other instances' caches must let go of it (links/redis-link-invalidation.ts). */
    onChanged?: (slug: string) => Promise<void>
  }) {
    this.#storage = options.storage
    this.#clock = options.clock
    // Staleness is a wall-clock matter even in replay, where the service clock runs on the events' own time.
    // Entries outlive their TTL here (lookup checks it) so a database outage can still be answered from them.
    this.#cache = new LruCache({ max: options.cacheMax })
    this.#ttlMs = options.cacheTtlMs
    this.#ownHosts = options.ownHosts
    this.#pendingClicks = options.pendingClicks
    this.#onChanged = options.onChanged
  }

  /** Another instance changed the link: the next redirect reads it again. */
  forget(slug: string): void {
    this.#cache.delete(slug)
  }

  /** Synchronous on a cache hit: the redirect's common case never awaits. */
  lookup(slug: string): Link | null | Promise<Link | null> {
    const cached = this.#cache.get(slug)
    if (cached !== undefined && (this.#ttlMs === 0 || Date.now() - cached.loadedAt < this.#ttlMs)) return cached.link
    return this.#storage.links.findLinkBySlug(slug).then(
      (link) => {
        const found = link ?? null
        if (found) this.#clicksSinceLoad.set(found.id, this.#pendingClicks(found.id))
        this.#cache.set(slug, { link: found, loadedAt: Date.now() })
        return found
      },
      (error: unknown) => {
        // The database is down: a link known before keeps redirecting (its clicks queue);
        // the next lookup asks the database again. An unknown slug gets the error (503).
        if (!cached?.link || !isDatabaseUnavailable(error)) throw error
        // Asked again in a second, not on every redirect: each ask may wait for a connection timeout.
        this.#cache.set(slug, { link: cached.link, loadedAt: Date.now() - this.#ttlMs + STALE_RETRY_MS })
        return cached.link
      },
    )
  }

  /** Human clicks on a cached link (lookup's) so far, counting those not written yet. */
  clickCount(link: Link): number {
    return link.clickCount + (this.#clicksSinceLoad.get(link.id) ?? 0)
  }

  /**
   * Human clicks on a link just read from the database (get's): its stored counter has
   * every written click already, so only the queued ones are added. clickCount would add
   * the clicks seen since the cached copy was read, most of them written by now: twice.
   */
  storedClickCount(link: Link): number {
    return link.clickCount + this.#pendingClicks(link.id)
  }

  countClick(link: Link): void {
    this.#clicksSinceLoad.set(link.id, (this.#clicksSinceLoad.get(link.id) ?? 0) + 1)
  }

  /**
   * Takes back a click counted with countClick that turned out to be a bot. The stored
   * counter follows when the writer stores the reclassification; a link read again from
   * the database starts from that counter and the writer's pending count, which already
   * leaves the click out.
   */
  uncountClick(linkId: number): void {
    const n = this.#clicksSinceLoad.get(linkId)
    if (n !== undefined) this.#clicksSinceLoad.set(linkId, n - 1)
  }

  /** `requestHost`: the host the request came in on, one more a link may not point back at. */
  async create(owner: User, input: LinkInput, requestHost?: string): Promise<Link> {
    const now = this.#clock.now()
    const fields = this.#validate(input, now, requestHost)
    const base = { url: fields.url!, userId: owner.id, createdAt: now, updatedAt: now, expiresAt: fields.expiresAt ?? null, maxClicks: fields.maxClicks ?? null, redirectStatus: fields.redirectStatus ?? 302, tags: fields.tags ?? [] }
    if (input.slug !== undefined) {
      assertValidSlug(input.slug)
      return this.#afterWrite(await this.#storage.links.createLink({ ...base, slug: input.slug }))
    }
    // 57^7 ≈ 2·10^12 slugs: a collision is rare, a few retries (growing the length) make it vanish.
    for (let attempt = 0; ; attempt++) {
      try {
        return this.#afterWrite(await this.#storage.links.createLink({ ...base, slug: randomSlug(7 + Math.floor(attempt / 2)) }))
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'SLUG_TAKEN') || attempt >= 8) throw error
      }
    }
  }

  async get(principal: User, slug: string): Promise<Link> {
    const link = await this.#storage.links.findLinkBySlug(slug)
    if (!link || (!principal.isAdmin && link.userId !== principal.id)) throw new AppError('LINK_NOT_FOUND')
    return link
  }

  /**
   * A plain user asking for `all` is refused (FORBIDDEN) rather than quietly given their own
   * links: a client that believes it sees everyone's links would be misled.
   */
  list(principal: User, options: { limit: number; beforeId?: number; tag?: string; search?: string; all?: boolean }): Promise<Link[]> {
    if (options.all && !principal.isAdmin) throw new AppError('FORBIDDEN', 'Only admins may list all links')
    return this.#storage.links.listLinks({
      limit: options.limit,
      ...(options.beforeId !== undefined && { beforeId: options.beforeId }),
      ...(options.tag !== undefined && { tag: options.tag }),
      ...(options.search !== undefined && { search: options.search }),
      ...(!options.all && { userId: principal.id }),
    })
  }

  async update(principal: User, slug: string, input: LinkUpdate, requestHost?: string): Promise<Link> {
    const link = await this.get(principal, slug)
    const now = this.#clock.now()
    const patch: LinkPatch = { ...this.#validate(input, now, requestHost), updatedAt: now }
    const updated = await this.#storage.links.updateLink(link.id, patch)
    if (!updated) throw new AppError('LINK_NOT_FOUND')
    return this.#afterWrite(updated)
  }

  async delete(principal: User, slug: string): Promise<Link> {
    const link = await this.get(principal, slug)
    await this.#storage.links.deleteLink(link.id)
    this.#cache.delete(slug)
    this.#clicksSinceLoad.delete(link.id)
    await this.#onChanged?.(slug)
    return link
  }

  async #afterWrite(link: Link): Promise<Link> {
    this.#cache.delete(link.slug)
    await this.#onChanged?.(link.slug)
    return link
  }

  #validate(input: LinkUpdate, now: number, requestHost: string | undefined): Omit<LinkPatch, 'updatedAt'> {
    const out: Omit<LinkPatch, 'updatedAt'> = {}
    if (input.url !== undefined) out.url = normaliseTargetUrl(input.url, requestHost ? [...this.#ownHosts(), requestHost] : this.#ownHosts())
    if (input.expiresAt !== undefined) {
      if (input.expiresAt !== null && input.expiresAt <= now) throw new AppError('VALIDATION_FAILED', 'expiresAt must be in the future')
      out.expiresAt = input.expiresAt
    }
    if (input.maxClicks !== undefined) out.maxClicks = input.maxClicks
    if (input.redirectStatus !== undefined) out.redirectStatus = input.redirectStatus
    if (input.tags !== undefined) {
      const tags = [...new Set(input.tags.map((t) => t.trim()))]
      if (tags.length > MAX_TAGS || tags.some((t) => !TAG_PATTERN.test(t))) {
        throw new AppError('VALIDATION_FAILED', `Up to ${MAX_TAGS} tags of 1 to 40 letters, digits, spaces or . _ : / -`)
      }
      out.tags = tags
    }
    return out
  }
}
