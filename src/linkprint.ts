import { randomBytes } from 'node:crypto'
import { Authenticator } from './auth/authenticator.js'
import { systemClock, type Clock } from './clock.js'
import type { Config } from './config/config.js'
import { deriveSecretKeys, type SecretKeys } from './config/secret-keys.js'
import type { ClickEnvironment } from './decisions/click-pipeline.js'
import { DeviceCookie } from './identity/device-cookie.js'
import { LinkService } from './links/link-service.js'
import { createMetrics, type Metrics } from './metrics/metrics.js'
import { IpHasher } from './signals/ip-hasher.js'
import { parseTrustedProxies } from './signals/trusted-proxies.js'
import { ClickWriter } from './storage/click-writer.js'
import { openStorage } from './storage/open-storage.js'
import type { Storage } from './storage/storage.js'

export interface Linkprint {
  readonly config: Config
  readonly clock: Clock
  readonly storage: Storage
  readonly keys: SecretKeys
  readonly links: LinkService
  readonly writer: ClickWriter
  readonly auth: Authenticator
  readonly metrics: Metrics
  readonly clickEnvironment: ClickEnvironment
  /** Writes every queued click, then closes storage. */
  close(): Promise<void>
}

export interface LinkprintOptions {
  clock?: Clock
  storage?: Storage
  /** Hosts a link may not point at besides PUBLIC_URL's (the server adds its own listen address). */
  ownHosts?: () => readonly string[]
  onError?: (error: unknown) => void
}

/** The composition root: everything the server, the CLI and replay share, wired once. */
export async function createLinkprint(config: Config, options: LinkprintOptions = {}): Promise<Linkprint> {
  const clock = options.clock ?? systemClock
  const storage = options.storage ?? openStorage(config.databaseUrl)
  await storage.migrateUp()
  // Without SECRET, the first instance stores a random one; the others read it back.
  const secret = config.secret ?? (await storage.ensureSetting('secret', randomBytes(32).toString('base64url')))
  const keys = deriveSecretKeys(secret)

  let metrics: Metrics | undefined
  const writer = new ClickWriter(storage, {
    maxQueue: config.clickQueueMax,
    maxBatch: config.clickBatchMax,
    flushMs: config.clickFlushMs,
    onFlushed(count, ms) {
      metrics?.clicksWritten.inc(count)
      metrics?.flushSeconds.observe(ms / 1000)
    },
    onDropped: (reason, count) => metrics?.clicksDropped.labels(reason).inc(count),
    onError: options.onError,
  })
  metrics = createMetrics({ queueDepth: () => writer.pending })

  const publicHost = config.publicUrl ? new URL(config.publicUrl).host : undefined
  const links = new LinkService({
    storage,
    clock,
    cacheMax: config.linkCacheMax,
    cacheTtlMs: config.linkCacheTtlMs,
    ownHosts: () => [...(publicHost ? [publicHost] : []), ...(options.ownHosts?.() ?? [])],
    pendingClicks: (linkId) => writer.pendingHumanClicks(linkId),
  })

  const clickEnvironment: ClickEnvironment = {
    ipHasher: new IpHasher(keys.ipHash),
    deviceCookie: new DeviceCookie(keys.cookie),
    trustedProxies: parseTrustedProxies(config.trustProxy),
    privacyMode: config.privacyMode,
    clickCount: (link) => links.clickCount(link),
    countClick: (link) => links.countClick(link),
  }

  return {
    config, clock, storage, keys, links, writer, metrics, clickEnvironment,
    auth: new Authenticator({ storage, accessTokenKey: keys.accessToken, clock }),
    async close() {
      await writer.close()
      await storage.close()
    },
  }
}
