import type { Clock } from '../clock.js'
import type { Config } from '../config/config.js'
import { LinkService, type LinkServiceStorage } from '../links/link-service.js'
import { RedisLinkInvalidation } from '../links/redis-link-invalidation.js'
import type { RedisOutageLog } from '../sessions/redis-outage-log.js'

export interface LinksParts {
  readonly links: LinkService
  /** REDIS_URL: tells the other instances' caches which links changed here; null otherwise. */
  readonly invalidation: RedisLinkInvalidation | null
}

/** The link service and its cache, kept in step with the other instances' through Redis when there is one. */
export async function createLinks(config: Config, options: {
  storage: LinkServiceStorage
  clock: Clock
  ownHosts?: () => readonly string[]
  pendingClicks: (linkId: number) => number
  redisLog: RedisOutageLog
}): Promise<LinksParts> {
  const publicHost = config.publicUrl ? new URL(config.publicUrl).host : undefined
  const links = new LinkService({
    storage: options.storage,
    clock: options.clock,
    cacheMax: config.linkCacheMax,
    cacheTtlMs: config.linkCacheTtlMs,
    ownHosts: () => [...(publicHost ? [publicHost] : []), ...(options.ownHosts?.() ?? [])],
    pendingClicks: options.pendingClicks,
    onChanged: (slug) => invalidation?.publish(slug) ?? Promise.resolve(),
  })
  const invalidation = config.redisUrl
    ? await RedisLinkInvalidation.open({ redisUrl: config.redisUrl, prefix: config.redisPrefix, evict: (slug) => links.forget(slug), onError: (error) => options.redisLog.error('link cache invalidation', error), onConnected: () => options.redisLog.connected('link cache invalidation') })
    : null
  return { links, invalidation }
}
