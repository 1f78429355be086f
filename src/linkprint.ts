import { randomBytes } from 'node:crypto'
import { AccessTokens } from './auth/access-tokens.js'
import { Authenticator, userOfApiKey } from './auth/authenticator.js'
import { TokenKeyring } from './auth/token-keyring.js'
import { systemClock, type Clock } from './clock.js'
import type { Config } from './config/config.js'
import { deriveSecretKeys, type SecretKeys } from './config/secret-keys.js'
import type { ClickEnvironment, ClickOutcome } from './decisions/click-pipeline.js'
import { ScannerDetector, type TrackedClick } from './decisions/scanner-detector.js'
import { DeviceCookie } from './identity/device-cookie.js'
import { LinkService } from './links/link-service.js'
import { createMetrics, type Metrics } from './metrics/metrics.js'
import { IpHasher } from './signals/ip-hasher.js'
import { DatabaseGeo } from './signals/geo/database-geo.js'
import { ApiGeo } from './signals/geo/api-geo.js'
import { GeoResolver } from './signals/geo/geo-resolver.js'
import { IdentityEngine } from './identity/identity-engine.js'
import { MemoryIdentityState } from './identity/memory-identity-state.js'
import { FingerprintMigration } from './jobs/fingerprint-migration.js'
import { loadIdentityState, type IdentityStateLoad, type IdentityStateLoadOptions } from './identity/identity-state-loader.js'
import { RedisIdentityReplication } from './identity/redis-identity-replication.js'
import { RedisLinkInvalidation } from './links/redis-link-invalidation.js'
import { replaceableIdentityState } from './identity/replaceable-identity-state.js'
import { parseTrustedProxies } from './signals/trusted-proxies.js'
import { identityEngineDevices } from './sessions/device-matcher.js'
import { openSessionBackend } from './sessions/session-backend.js'
import { SessionCore } from './sessions/session-core.js'
import { SourceMonitor } from './sessions/source-monitor.js'
import type { RateLimiter } from './sessions/rate-limiter.js'
import { RetentionJob } from './privacy/retention-job.js'
import { VisitorData } from './privacy/visitor-data.js'
import { ClickWriter } from './storage/click-writer.js'
import { openRepositories } from './storage/open-repositories.js'
import type { Repositories } from './storage/repositories.js'
import type { FingerprintingAlgorithm, User } from './storage/storage.js'

export interface Linkprint {
  readonly config: Config
  readonly clock: Clock
  readonly storage: Repositories
  readonly keys: SecretKeys
  readonly links: LinkService
  readonly writer: ClickWriter
  readonly auth: Authenticator
  /** Seed 000's sessions and tokens (Redis when REDIS_URL is set, the database otherwise); the HTTP plugin is src/sessions/sessions-plugin.ts. */
  readonly sessions: SessionCore<User>
  /** Fingerprint sources of API requests, and the burst warning. */
  readonly sourceMonitor: SourceMonitor
  readonly metrics: Metrics
  readonly clickEnvironment: ClickEnvironment
  readonly identity: IdentityEngine
  /** REDIS_URL: the engine's state shared with the other instances (identity/redis-identity-replication.ts); null otherwise. */
  readonly identityReplication: RedisIdentityReplication | null
  readonly geoDatabase: DatabaseGeo | null
  /** Seed 002's algorithm migration job (its routes: http/plugins/fingerprint-migration-plugin.ts). */
  readonly fingerprintMigration: FingerprintMigration
  /** What the identity engine's state was reloaded from at start (identity-state-loader.ts). */
  readonly identityLoad: IdentityStateLoad
  /** Which algorithm's ids new clicks and the stats use; the migration job switches it. */
  readonly fingerprinting: { algorithm(): FingerprintingAlgorithm; use(algorithm: FingerprintingAlgorithm): Promise<void> }
  /** Called with every redirect's outcome (replay and the debug API listen here). */
  onClick: ((outcome: Extract<ClickOutcome, { dropped: null }>) => void) | undefined
  /** Email scanners and time-of-click checks, judged by their networks' behaviour (the click pipeline's detect_scanner). */
  readonly scanners: ScannerDetector
  /** Stores as bots the earlier clicks a redirect revealed as scanners (ClickOutcome.reclassified). */
  reclassify(clicks: readonly TrackedClick[]): void
  /** Called with every reclassification (replay listens here: its decisions report the final bot flag). */
  onReclassify: ((clicks: readonly TrackedClick[]) => void) | undefined
  /** RETENTION_DAYS (privacy/retention-job.ts); the server runs it (http/plugins/retention-plugin.ts), `linkprint retention` once. */
  readonly retention: RetentionJob
  /** Per-visitor export and deletion (privacy/visitor-data.ts; routes: http/plugins/visitor-data-plugin.ts, admin-visitors-plugin.ts). */
  readonly visitorData: VisitorData
  /** The sessions' rate limiter (Redis when REDIS_URL is set), for other routes that need one. */
  readonly rateLimiter: RateLimiter
  /** Stops the retention job, writes every queued click, then closes storage. */
  close(): Promise<void>
}

export interface LinkprintOptions {
  clock?: Clock
  storage?: Repositories
  /** Hosts a link may not point at besides PUBLIC_URL's (the server adds its own listen address). */
  ownHosts?: () => readonly string[]
  onError?: (error: unknown) => void
  /** An engine with its own state (replay, tests); by default one with a bounded in-memory state. */
  identity?: IdentityEngine
  /** How the engine's state is reloaded from storage at start (identity-state-loader.ts); false: not at all (commands that resolve no click). */
  restore?: IdentityStateLoadOptions | false
  /** Clicks per transaction of the fingerprint migration job (1 000). */
  migrationChunkSize?: number
  /** Rows per statement of retention and visitor deletion (5 000), and time between retention runs (1 h). */
  retention?: { batchSize?: number; intervalMs?: number }
  /**
   * With REDIS_URL, whether the engine's state is shared with the other instances (true).
   * Replay says false: a recorded history, on its own clock, is no news to live instances.
   */
  shareIdentity?: boolean
}

const geoDatabases = new Map<string, Promise<DatabaseGeo | null>>()

/** The geo database is ~135 MB in memory: one copy per process, whatever number of services it runs. GEOIP_DB=off turns the tier off. */
function openGeoDatabase(path: string | undefined): Promise<DatabaseGeo | null> {
  if (path === 'off') return Promise.resolve(null)
  const key = path ?? ''
  let db = geoDatabases.get(key)
  if (!db) geoDatabases.set(key, (db = DatabaseGeo.open(path)))
  return db
}

/** The composition root: everything the server, the CLI and replay share, wired once. */
export async function createLinkprint(config: Config, options: LinkprintOptions = {}): Promise<Linkprint> {
  const clock = options.clock ?? systemClock
  const storage = options.storage ?? openRepositories(config.databaseUrl)
  await storage.migrateUp()
  // Without SECRET, the first instance stores a random one; the others read it back.
  const secret = config.secret ?? (await storage.settings.ensureSetting('secret', randomBytes(32).toString('base64url')))
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
  // retention is made further down; the gauge reads it only when /metrics is scraped, long after.
  metrics = createMetrics({ queueDepth: () => writer.pending, retentionLastRun: () => retention.lastCompletedAt, replication: () => replication })

  const publicHost = config.publicUrl ? new URL(config.publicUrl).host : undefined
  const links = new LinkService({
    storage,
    clock,
    cacheMax: config.linkCacheMax,
    cacheTtlMs: config.linkCacheTtlMs,
    ownHosts: () => [...(publicHost ? [publicHost] : []), ...(options.ownHosts?.() ?? [])],
    pendingClicks: (linkId) => writer.pendingHumanClicks(linkId),
    onChanged: (slug) => linkInvalidation?.publish(slug) ?? Promise.resolve(),
  })
  const linkInvalidation = config.redisUrl
    ? await RedisLinkInvalidation.open({ redisUrl: config.redisUrl, prefix: config.redisPrefix, evict: (slug) => links.forget(slug), onError: (error) => options.onError?.(new Error('link cache invalidation through Redis failed', { cause: error })) })
    : null

  // Replaceable so the migration job can start the engine's memory afresh under everyone holding it.
  const newState = () => new MemoryIdentityState({ maxEntities: config.identityMaxContexts })
  const replaceable = options.identity ? null : replaceableIdentityState(newState())
  // Set once the migration job exists; until then nothing is migrating.
  let migrating = () => false
  const replication = replaceable && config.redisUrl && options.shareIdentity !== false
    ? await RedisIdentityReplication.open({
      redisUrl: config.redisUrl, prefix: config.redisPrefix, state: replaceable.state, paused: () => migrating(),
      onError: (error) => options.onError?.(new Error('identity replication through Redis failed', { cause: error })),
    })
    : null
  const identity = options.identity ?? new IdentityEngine({ state: replication?.state ?? replaceable!.state, sessionWindowMs: config.sessionWindow, minConfidence: config.minConfidence })
  const geoDatabase = await openGeoDatabase(config.geoipDb)
  let algorithm: FingerprintingAlgorithm = (await storage.settings.ensureSetting('fingerprinting_algorithm', 'robust')) === 'legacy' ? 'legacy' : 'robust'
  const clickEnvironment: ClickEnvironment = {
    ipHasher: new IpHasher(keys.ipHash),
    deviceCookie: new DeviceCookie(keys.cookie),
    trustedProxies: parseTrustedProxies(config.trustProxy),
    privacyMode: config.privacyMode,
    identity,
    geo: new GeoResolver({
      database: geoDatabase,
      // The external API sends an address to a third party: never under strict privacy.
      api: config.geoApiUrl && config.privacyMode !== 'strict' ? new ApiGeo({ url: config.geoApiUrl, timeoutMs: config.geoApiTimeout, cacheTtlMs: config.geoCacheDuration, now: () => clock.now() }) : null,
      cacheTtlMs: config.geoCacheDuration,
      now: () => clock.now(),
    }),
    algorithm: () => algorithm,
    clickCount: (link) => links.clickCount(link),
    countClick: (link) => links.countClick(link),
    scanners: new ScannerDetector(),
    uncountClick: (linkId) => links.uncountClick(linkId),
    deferIdentity: () => fingerprintMigration.deferring,
  }

  let sessions: SessionCore<User> | undefined
  // Redis connection errors and failed sweeps: logged where the plugin pointed the core's log.
  const sessionBackend = await openSessionBackend({
    redisUrl: config.redisUrl, redisPrefix: config.redisPrefix, storage, clock,
    onError: (error) => sessions?.log.warn({ err: error }, 'session store error'),
  })
  const sourceMonitor = new SourceMonitor({
    now: () => clock.now(),
    warn: (details, message) => sessions?.log.warn(details, message),
    onSource: (source) => metrics?.identitySources.api[source].inc(),
  })
  sessions = new SessionCore<User>({
    store: sessionBackend.store,
    limiter: sessionBackend.limiter,
    tokens: new AccessTokens({ keyring: TokenKeyring.fromSecrets(config.accessTokenSecret ?? secret, config.accessTokenPreviousSecrets), clock }),
    clock,
    bindingKey: keys.sessionBinding,
    loadUser: (id) => storage.users.findUserById(id),
    authenticateOther: (bearer) => userOfApiKey(storage, bearer),
    devices: identityEngineDevices(identity.state),
    deviceCookie: clickEnvironment.deviceCookie,
    networkOf: (ip) => clickEnvironment.ipHasher.hash(ip).prefixHash,
    // The API's own visitors: the SDK sends its fingerprint to recover their sessions, so
    // it is taken unless the visitor said no (DNT, Sec-GPC) or the server is strict. The
    // click pipeline's rule for third-party clicks (fingerprints only under `full`) is not this one.
    privacy: (request) => {
      const h = request.headers
      const allowed = config.privacyMode !== 'strict' && h.dnt !== '1' && h['sec-gpc'] !== '1'
      return { cookies: allowed, fingerprints: allowed }
    },
    minConfidence: config.minConfidence,
    monitor: sourceMonitor,
    onRecovery: (outcome) => metrics?.sessionRecoveries.labels(outcome).inc(),
    onRefresh: (outcome) => metrics?.tokenRefreshes.labels(outcome).inc(),
  })

  const fingerprinting: Linkprint['fingerprinting'] = {
    algorithm: () => algorithm,
    async use(next) {
      await storage.settings.setSetting('fingerprinting_algorithm', next)
      algorithm = next
    },
  }
  const fingerprintMigration = await FingerprintMigration.open({
    storage, writer, clock, engine: identity, fingerprinting,
    resetState: replaceable && (() => replaceable.replace(newState())),
    chunkSize: options.migrationChunkSize,
    onError: options.onError,
  })
  // The engine's memory as the last process left it (or as an interrupted migration job
  // left it, at its cursor): a restart changes no decision.
  const identityLoad = options.restore === false
    ? { upToClickId: 0, memberships: 0, contexts: 0, sightings: 0, clicked: 0, edges: 0, ms: 0 }
    : await loadIdentityState(storage.identity, replaceable?.state ?? identity.state, { ...options.restore, upToClickId: fingerprintMigration.resumeCursor ?? options.restore?.upToClickId })
  // What the other instances changed while this one loaded the database, and from now on.
  migrating = () => fingerprintMigration.deferring
  replication?.start()

  const retention = new RetentionJob({
    storage, clock, days: config.retentionDays,
    batchSize: options.retention?.batchSize,
    intervalMs: options.retention?.intervalMs,
    onDeleted: (table, count) => metrics?.retentionDeleted.labels(table).inc(count),
    onExpired: (cutoff) => identity.state.expire(cutoff),
    onError: options.onError,
  })
  const visitorData = new VisitorData({ storage, writer, state: () => identity.state, batchSize: options.retention?.batchSize })

  return {
    retention, visitorData, rateLimiter: sessionBackend.limiter, identityReplication: replication,
    config, clock, storage, keys, links, writer, metrics, clickEnvironment, identity, geoDatabase, fingerprintMigration, identityLoad, sessions, sourceMonitor,
    onClick: undefined,
    scanners: clickEnvironment.scanners!,
    onReclassify: undefined,
    reclassify(clicks) {
      if (clicks.length === 0) return
      // The pipeline took them back from the links' counts already; the writer fixes the rows and stored counters.
      for (const c of clicks) writer.reclassify({ link_id: c.linkId, ts: c.ts, ip_hash: c.address, method: c.method, user_agent: c.userAgent, bot_reason: c.reason ?? 'scanner_burst' })
      ;(this as Linkprint).onReclassify?.(clicks)
    },
    fingerprinting,
    auth: new Authenticator({ storage, clock, sessions }),
    async close() {
      // Left to resume at the next start (its progress is stored chunk by chunk).
      await fingerprintMigration.stop()
      // Stops at its next batch; the next run goes on from there.
      await retention.stop()
      await replication?.close()
      await linkInvalidation?.close()
      await sessionBackend.close()
      await writer.close()
      await storage.close()
    },
  }
}
