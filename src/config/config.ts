import { getHeapStatistics } from 'node:v8'
import { AppError } from '../errors.js'

export type PrivacyMode = 'strict' | 'balanced' | 'full'

/** How a short link is followed: the plain 30x, or the first-contact bridge page (src/bridge, docs/bridge.md). */
export type RedirectMode = 'direct' | 'bridge'

export interface Config {
  readonly port: number
  readonly host: string
  readonly databaseUrl: string
  /** Base of every short URL; also the host a link may not point back at. */
  readonly publicUrl: string | undefined
  readonly adminEmail: string | undefined
  readonly adminPassword: string | undefined
  readonly redisUrl: string | undefined
  /** Prefix of every Redis key, so deployments (or test runs) can share one Redis. */
  readonly redisPrefix: string
  /** Signs access tokens; SECRET when unset. Rotate it with the previous value in accessTokenPreviousSecrets. */
  readonly accessTokenSecret: string | undefined
  /** Former access-token secrets whose tokens still verify (keep for one token lifetime, 15 minutes). */
  readonly accessTokenPreviousSecrets: readonly string[]
  /** Undefined: read from secretFile (config/secret-source.ts), never from the database. */
  readonly secret: string | undefined
  /** SECRET_FILE: a file holding the secret, mode 0600; beside the SQLite database by default. */
  readonly secretFile: string | undefined
  readonly trustProxy: string | undefined
  readonly geoipDb: string | undefined
  readonly geoCacheDuration: number
  readonly geoApiUrl: string | undefined
  readonly geoApiTimeout: number
  readonly sessionWindow: number
  readonly minConfidence: number
  readonly privacyMode: PrivacyMode
  /** The server's default; a link's own redirectMode overrides it. */
  readonly redirectMode: RedirectMode
  /** How long the bridge holds a click back for its page's own click before recording it plain (the tab was closed). */
  readonly bridgeDeadlineMs: number
  /** False: no request gets the bridge, whatever the links say (replay: recorded clicks are replayed as they were made). */
  readonly bridgeAllowed: boolean
  readonly retentionDays: number | undefined
  /** Storage contexts (cookie jars) the identity engine keeps in memory; the least recently seen leave first. */
  readonly identityMaxContexts: number
  /** How often the identity engine's state is snapshotted, so a restart replays only the clicks after it; 0: never (every start loads the database in full). */
  readonly identitySnapshotIntervalMs: number
  readonly clickFlushMs: number
  readonly clickQueueMax: number
  readonly clickBatchMax: number
  readonly linkCacheMax: number
  readonly linkCacheTtlMs: number
  readonly logLevel: string
  /** Longest a whole request (headers and body) may take; a trickled body is cut off after it (408). */
  readonly requestTimeoutMs: number
  /** Longest the request headers may take to arrive. */
  readonly headersTimeoutMs: number
  /** How long an idle keep-alive connection stays open; a reverse proxy's idle timeout must be shorter. */
  readonly keepAliveTimeoutMs: number
  /** A socket with no traffic at all for this long is closed. */
  readonly connectionTimeoutMs: number
  /** METRICS_TOKEN: when set, /metrics needs `Authorization: Bearer <it>`. */
  readonly metricsToken: string | undefined
  /** Most open connections per client address (trusted proxies exempt); 0: no limit. */
  readonly connectionsPerAddress: number
}

const HOUR = 3_600_000
/**
 * Resident memory one context costs the identity engine once IDENTITY_MAX_CONTEXTS is
 * reached, with its indexes and clusters, the churn of evicting and adding included:
 * 2.06 KB measured (docs/memory.md: bench/context-memory.ts --max-contexts 100000, against
 * the same visitors without the engine; 1.38 KB of it V8 heap). While the state fills, a
 * context adds 1.03 KB; at the cap the address and network indexes hold up to twice as
 * many ids as contexts, and V8 keeps the pages eviction frees.
 */
const CONTEXT_BYTES = 2_110

/**
 * As many contexts as a quarter of the heap limit holds at CONTEXT_BYTES each, at most
 * 500 000: on a small machine a fixed 500 000 (~1 GB) would outgrow V8's default heap
 * limit and crash the service.
 */
export function defaultIdentityContexts(heapLimitBytes: number): number {
  return Math.max(10_000, Math.min(500_000, Math.floor(heapLimitBytes / 4 / CONTEXT_BYTES)))
}

/** Environment names are the seeds' (docs/contracts.md, Environment); unknown values fail at start, not at the first click. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL ?? 'sqlite:./data/linkprint.db',
    publicUrl: optional(env.PUBLIC_URL)?.replace(/\/+$/, ''),
    adminEmail: optional(env.ADMIN_EMAIL),
    adminPassword: optional(env.ADMIN_PASSWORD),
    redisUrl: optional(env.REDIS_URL),
    redisPrefix: optional(env.REDIS_PREFIX) ?? 'linkprint:',
    accessTokenSecret: optional(env.ACCESS_TOKEN_SECRET),
    accessTokenPreviousSecrets: (optional(env.ACCESS_TOKEN_PREVIOUS_SECRETS) ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''),
    secret: optional(env.SECRET),
    secretFile: optional(env.SECRET_FILE),
    trustProxy: optional(env.TRUST_PROXY),
    geoipDb: optional(env.GEOIP_DB),
    geoCacheDuration: int(env, 'GEO_CACHE_DURATION', 24 * HOUR, 0),
    geoApiUrl: optional(env.GEO_API_URL),
    geoApiTimeout: int(env, 'GEO_API_TIMEOUT', 3000, 1),
    sessionWindow: int(env, 'SESSION_WINDOW', 6 * HOUR, 1),
    minConfidence: int(env, 'MIN_CONFIDENCE', 50, 0, 100),
    privacyMode: oneOf(env, 'PRIVACY_MODE', ['balanced', 'strict', 'full'] as const),
    redirectMode: oneOf(env, 'REDIRECT_MODE', ['direct', 'bridge'] as const),
    bridgeDeadlineMs: int(env, 'BRIDGE_DEADLINE_MS', 10_000, 1_000, 60_000),
    bridgeAllowed: true,
    retentionDays: optional(env.RETENTION_DAYS) === undefined ? undefined : int(env, 'RETENTION_DAYS', 0, 1),
    identityMaxContexts: int(env, 'IDENTITY_MAX_CONTEXTS', defaultIdentityContexts(getHeapStatistics().heap_size_limit), 1_000),
    // 0 (off) or at least 10 s: a snapshot of a full state takes seconds to write.
    identitySnapshotIntervalMs: optional(env.IDENTITY_SNAPSHOT_INTERVAL_MS) === '0' ? 0 : int(env, 'IDENTITY_SNAPSHOT_INTERVAL_MS', 5 * 60_000, 10_000),
    // 50 ms is the most a kill -9 may lose (issue 2); 25 keeps well inside it.
    clickFlushMs: int(env, 'CLICK_FLUSH_MS', 25, 1, 50),
    clickQueueMax: int(env, 'CLICK_QUEUE_MAX', 100_000, 1),
    clickBatchMax: int(env, 'CLICK_BATCH_MAX', 2_000, 1),
    linkCacheMax: int(env, 'LINK_CACHE_MAX', 100_000, 1),
    linkCacheTtlMs: int(env, 'LINK_CACHE_TTL_MS', 60_000, 0),
    logLevel: env.LOG_LEVEL ?? 'info',
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 30_000, 1_000),
    headersTimeoutMs: int(env, 'HEADERS_TIMEOUT_MS', 10_000, 1_000),
    keepAliveTimeoutMs: int(env, 'KEEP_ALIVE_TIMEOUT_MS', 72_000, 1_000),
    connectionTimeoutMs: int(env, 'CONNECTION_TIMEOUT_MS', 120_000, 1_000),
    connectionsPerAddress: int(env, 'CONNECTIONS_PER_ADDRESS', 256, 0),
    metricsToken: optional(env.METRICS_TOKEN),
  }
}

function optional(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = optional(env[name])
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AppError('VALIDATION_FAILED', `${name} must be an integer between ${min} and ${max}, got "${raw}"`)
  }
  return value
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, values: readonly [T, ...T[]]): T {
  const raw = optional(env[name])
  if (raw === undefined) return values[0]
  if (!(values as readonly string[]).includes(raw)) {
    throw new AppError('VALIDATION_FAILED', `${name} must be one of ${values.join(', ')}, got "${raw}"`)
  }
  return raw as T
}
