import { Authenticator } from './auth/authenticator.js'
import { systemClock, type Clock } from './clock.js'
import { createClickEnvironment } from './compose/create-click-environment.js'
import { createClickWriter } from './compose/create-click-writer.js'
import { createFingerprintMigration } from './compose/create-fingerprint-migration.js'
import { createFingerprinting, type Fingerprinting } from './compose/create-fingerprinting.js'
import { createGeo } from './compose/create-geo.js'
import { createIdentity } from './compose/create-identity.js'
import { createIdentitySnapshots, identitySnapshotStore } from './compose/create-identity-snapshots.js'
import { createLinks } from './compose/create-links.js'
import { createReclassify } from './compose/create-reclassify.js'
import { createRetention } from './compose/create-retention.js'
import { createSessions } from './compose/create-sessions.js'
import type { Config } from './config/config.js'
import { deriveSecretKeys, type SecretKeys } from './config/secret-keys.js'
import { loadSecret } from './config/secret-source.js'
import type { ClickEnvironment } from './decisions/click-pipeline.js'
import type { ScannerDetector, TrackedClick } from './decisions/scanner-detector.js'
import type { FingerprintMigration } from './jobs/fingerprint-migration.js'
import type { IdentitySnapshotJob } from './jobs/identity-snapshot-job.js'
import type { IdentityEngine } from './identity/identity-engine.js'
import type { IdentityStateLoad, IdentityStateLoadOptions } from './identity/identity-state-loader.js'
import type { RedisIdentityReplication } from './identity/redis-identity-replication.js'
import type { DomainDirectory } from './links/domain-directory.js'
import type { LinkService } from './links/link-service.js'
import { createMetrics, type Metrics } from './metrics/metrics.js'
import type { RetentionJob } from './privacy/retention-job.js'
import type { VisitorData } from './privacy/visitor-data.js'
import type { RateLimiter } from './sessions/rate-limiter.js'
import { RedisOutageLog } from './sessions/redis-outage-log.js'
import type { SessionCore } from './sessions/session-core.js'
import type { SourceMonitor } from './sessions/source-monitor.js'
import type { DatabaseGeo } from './signals/geo/database-geo.js'
import type { ClickWriter } from './storage/click-writer.js'
import { openRepositories } from './storage/open-repositories.js'
import type { Repositories } from './storage/repositories.js'
import type { User } from './storage/storage.js'

/**
 * The running service's parts, as the CLI, replay and tests hold them. HTTP plugins never
 * see this object: buildApp (http/app.ts) gives each the parts it declares. Recorded
 * clicks, reclassifications and unions are published on node:diagnostics_channel
 * (events/click-channels.ts).
 */
export interface Linkprint {
  readonly config: Config
  readonly clock: Clock
  readonly storage: Repositories
  readonly keys: SecretKeys
  readonly links: LinkService
  readonly domains: DomainDirectory
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
  /** What the identity engine's state was reloaded from at start (identity-state-loader.ts, identity/snapshot/snapshot-loader.ts). */
  readonly identityLoad: IdentityStateLoad
  /** Writes the engine's state to its snapshot (IDENTITY_SNAPSHOT_INTERVAL_MS, and at close); null where none is kept (docs/identity-operations.md). */
  readonly identitySnapshots: IdentitySnapshotJob | null
  /** Which algorithm's ids new clicks and the stats use; the migration job switches it. */
  readonly fingerprinting: Fingerprinting
  /** Email scanners and time-of-click checks, judged by their networks' behaviour (the click pipeline's detect_scanner). */
  readonly scanners: ScannerDetector
  /** Stores as bots the earlier clicks a redirect revealed as scanners (ClickOutcome.reclassified). */
  reclassify(clicks: readonly TrackedClick[]): void
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
  /** Changes of state worth a line (the click writer failing and recovering); the server points it at its logger. */
  log?: LinkprintLog
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

export interface LinkprintLog {
  info(details: object, message: string): void
  warn(details: object, message: string): void
  error(details: object, message: string): void
}

/** The composition root: everything the server, the CLI and replay share, wired once, in the order a click needs it. */
export async function createLinkprint(config: Config, options: LinkprintOptions = {}): Promise<Linkprint> {
  const { onError } = options
  const clock = options.clock ?? systemClock
  const storage = options.storage ?? openRepositories(config.databaseUrl)
  await storage.migrateUp()
  // SECRET, else SECRET_FILE; one kept in the database by an earlier version is moved out now.
  const secret = await loadSecret(config, storage.settings, options.log)
  const keys = deriveSecretKeys(secret)

  const writer = createClickWriter(config, storage, { metrics: () => metrics, log: () => options.log })
  // The gauges read the retention job and replication only when /metrics is scraped, long after they exist.
  const metrics: Metrics = createMetrics({ queueDepth: () => writer.pending, retentionLastRun: () => retention.lastCompletedAt, replication: () => identity.replication })
  // Redis outages logged as changes of state, once each, not once per failed attempt or request.
  const redisLog = new RedisOutageLog(() => options.log)
  const { links, domains, invalidation } = await createLinks(config, { storage, clock, ownHosts: options.ownHosts, pendingClicks: (linkId) => writer.pendingHumanClicks(linkId), redisLog })
  const identity = await createIdentity(config, { ...options, redisLog })
  const { geoDatabase, geo } = await createGeo(config, clock)
  const fingerprinting = await createFingerprinting(storage.settings)
  const clickEnvironment = createClickEnvironment(config, { keys, identity: identity.engine, geo, links, fingerprinting, deferIdentity: () => migration.deferring })
  const { sessions, sourceMonitor, backend } = await createSessions(config, { storage, clock, keys, secret, identity: identity.engine, environment: clickEnvironment, metrics, redisLog })
  // Only a process that loads the state keeps its snapshot: a command that resolves no click must not overwrite it with an empty one.
  const snapshotStore = options.restore === false ? null : identitySnapshotStore(config, storage, { shared: identity.replication !== null, ownState: identity.replaceable !== null })
  const snapshotsOn = snapshotStore !== null && config.identitySnapshotIntervalMs > 0
  // Snapshots turned off: one left from before would be stale at the next start that turns them on (erased visitors included).
  if (snapshotStore && !snapshotsOn) await snapshotStore.discard()
  let snapshots: IdentitySnapshotJob | null = null
  const { migration, identityLoad } = await createFingerprintMigration({
    storage, writer, clock, identity, fingerprinting, chunkSize: options.migrationChunkSize, restore: options.restore, onError,
    snapshot: { store: snapshotsOn ? snapshotStore : null, log: (details, message) => options.log?.info(details, message) },
    // The reset state is no longer the snapshot's; the rebuilt one is snapshotted once the job ends.
    onJob: (state) => void (state === 'running' ? snapshots?.discard() : snapshots?.write())?.catch((error: unknown) => onError?.(error)),
  })
  if (snapshotsOn) {
    snapshots = createIdentitySnapshots(config, { store: snapshotStore, state: () => identity.engine.state, writer, storage, clock, paused: () => migration.deferring, onError, loadedFrom: identityLoad.snapshotClickId })
    snapshots.start()
  }
  // What the other instances changed while this one loaded the database, and from now on.
  identity.pauseReplicationWhile(() => migration.deferring)
  identity.replication?.start()
  const { retention, visitorData } = createRetention(config, { storage, writer, clock, identity: identity.engine, metrics, retention: options.retention, onError, snapshots })

  return {
    config, clock, storage, keys, links, domains, writer, metrics, clickEnvironment, geoDatabase, identityLoad, sessions, sourceMonitor, fingerprinting, retention, visitorData,
    identity: identity.engine,
    identityReplication: identity.replication,
    identitySnapshots: snapshots,
    fingerprintMigration: migration,
    rateLimiter: backend.limiter,
    scanners: clickEnvironment.scanners!,
    reclassify: createReclassify(writer, clickEnvironment),
    auth: new Authenticator({ storage, clock, sessions }),
    async close() {
      // Left to resume at the next start (its progress is stored chunk by chunk).
      await migration.stop()
      // Stops at its next batch; the next run goes on from there.
      await retention.stop()
      await identity.replication?.close()
      await invalidation?.close()
      await backend.close()
      await writer.close()
      // Every click is stored: the next start replays none.
      await snapshots?.stop(true).catch((error: unknown) => onError?.(error))
      await storage.close()
    },
  }
}
