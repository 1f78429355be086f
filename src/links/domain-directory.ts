import { AppError } from '../errors.js'
import type { Domain, DomainsRepository } from '../storage/domains-repository.js'

const HOST = /^(?=[^:]{1,253}(:|$))[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/

/**
 * The short domains, in memory so the redirect maps a host to its domain without a query:
 * the default domain ('' in links.domain; PUBLIC_URL's host) and those an admin added.
 * Changes made here apply at once; another instance's are read again every `ttlMs`.
 * Without PUBLIC_URL every host the server is reached on is the default domain, as short
 * URLs then use the request's host; with it, a host that is neither is unknown.
 */
export class DomainDirectory {
  readonly defaultHost: string | undefined
  readonly #repository: Pick<DomainsRepository, 'addDomain' | 'listDomains' | 'removeDomain'>
  readonly #ttlMs: number
  readonly #now: () => number
  #hosts = new Set<string>()
  #loadedAt = -Infinity
  #loading: Promise<void> | undefined

  constructor(options: { repository: Pick<DomainsRepository, 'addDomain' | 'listDomains' | 'removeDomain'>; defaultHost: string | undefined; ttlMs: number; now: () => number }) {
    this.#repository = options.repository
    this.defaultHost = options.defaultHost?.toLowerCase()
    this.#ttlMs = options.ttlMs
    this.#now = options.now
  }

  /** Reads the list from the database; the server awaits it once before it listens. */
  load(): Promise<void> {
    this.#loading ??= this.#repository.listDomains().then(
      (domains) => {
        this.#hosts = new Set(domains.map((d) => d.host))
        this.#loadedAt = this.#now()
        this.#loading = undefined
      },
      (error: unknown) => {
        this.#loading = undefined
        throw error
      },
    )
    return this.#loading
  }

  /**
   * The domain a request's host serves ('' the default), or null: an unknown host, whose
   * every slug is a 404. Synchronous; a stale list is read again in the background.
   */
  domainOf(host: string | null): string | null {
    if (this.#now() - this.#loadedAt > this.#ttlMs) this.load().catch(() => undefined)
    if (host === null) return this.defaultHost ? null : ''
    for (const candidate of [host, host.replace(/:\d+$/, '')]) {
      if (candidate === this.defaultHost) return ''
      if (this.#hosts.has(candidate)) return candidate
    }
    return this.defaultHost ? null : ''
  }

  /**
   * A link's `domain` as given (a host, or undefined) → what links.domain stores. The
   * default host itself is ''. UNKNOWN_DOMAIN for a host not in the list, read again
   * first in case another instance just added it.
   */
  async storedDomainOf(domain: string | undefined): Promise<string> {
    if (domain === undefined || domain === '') return ''
    const host = domain.toLowerCase()
    if (host === this.defaultHost) return ''
    if (!this.#hosts.has(host)) await this.load()
    if (!this.#hosts.has(host)) throw new AppError('UNKNOWN_DOMAIN', `"${domain.slice(0, 260)}" is not one of the short domains`)
    return host
  }

  /** The added hosts as last read: links may not point at them either. */
  hosts(): string[] {
    return [...this.#hosts]
  }

  list(): Promise<Domain[]> {
    return this.#repository.listDomains()
  }

  async add(host: string, at: number): Promise<Domain> {
    const normalised = host.toLowerCase().replace(/\.$/, '')
    if (!HOST.test(normalised)) throw new AppError('INVALID_DOMAIN')
    if (normalised === this.defaultHost) throw new AppError('INVALID_DOMAIN', `${normalised} is the default domain (PUBLIC_URL) already`)
    const domain = await this.#repository.addDomain(normalised, at)
    this.#hosts.add(domain.host)
    return domain
  }

  async remove(host: string): Promise<void> {
    const normalised = host.toLowerCase()
    if (!(await this.#repository.removeDomain(normalised))) throw new AppError('DOMAIN_NOT_FOUND')
    this.#hosts.delete(normalised)
  }
}
