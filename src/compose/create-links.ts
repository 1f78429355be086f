import type { Clock } from '../clock.js'
import type { Config } from '../config/config.js'
import { DomainDirectory } from '../links/domain-directory.js'
import { LinkService, type LinkServiceStorage } from '../links/link-service.js'
import type { DomainsRepository } from '../storage/domains-repository.js'
import { RedisLinkInvalidation } from '../links/redis-link-invalidation.js'
import type { RedisOutageLog } from '../sessions/redis-outage-log.js'

export interface LinksParts {
  readonly links: LinkService
  /** The short domains, in memory for the redirect. */
  readonly domains: DomainDirectory
  /** REDIS_URL: tells the other instances' caches which links changed here; null otherwise. */
  readonly invalidation: RedisLinkInvalidation | null
}

/** The link service and its cache, kept in step with the other instances' through Redis when there is one. */
export async function createLinks(config: Config, options: {
  storage: LinkServiceStorage & { readonly domains: DomainsRepository }
  clock: Clock
  ownHosts?: () => readonly string[]
  pendingClicks: (linkId: number) => number
  redisLog: RedisOutageLog
}): Promise<LinksParts> {
  const publicHost = config.publicUrl ? new URL(config.publicUrl).host : undefined
  const domains = new DomainDirectory({ repository: options.storage.domains, defaultHost: publicHost, ttlMs: config.linkCacheTtlMs, now: Date.now })
  await domains.load()
  const links = new LinkService({
    domains,
    storage: options.storage,
    clock: options.clock,
    cacheMax: config.linkCacheMax,
    cacheTtlMs: config.linkCacheTtlMs,
    // PUBLIC_URL, every short domain, the configured listen address and the one the server got (options.ownHosts), canonicalised in target-url.ts.
    ownHosts: () => [...(publicHost ? [publicHost] : []), ...domains.hosts(), `${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`, ...(options.ownHosts?.() ?? [])],
    pendingClicks: options.pendingClicks,
    onChanged: (slug) => invalidation?.publish(slug) ?? Promise.resolve(),
  })
  const invalidation = config.redisUrl
    ? await RedisLinkInvalidation.open({ redisUrl: config.redisUrl, prefix: config.redisPrefix, evict: (key) => links.forget(key), onError: (error) => options.redisLog.error('link cache invalidation', error), onConnected: () => options.redisLog.connected('link cache invalidation') })
    : null
  return { links, domains, invalidation }
}
