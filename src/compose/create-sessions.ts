import { AccessTokens } from '../auth/access-tokens.js'
import { userOfApiKey, type ApiKeyStorage } from '../auth/authenticator.js'
import { TokenKeyring } from '../auth/token-keyring.js'
import type { Clock } from '../clock.js'
import type { Config } from '../config/config.js'
import type { SecretKeys } from '../config/secret-keys.js'
import type { ClickEnvironment } from '../decisions/click-pipeline.js'
import type { IdentityEngine } from '../identity/identity-engine.js'
import type { Metrics } from '../metrics/metrics.js'
import type { SessionStoreStorage } from '../sessions/database-session-store.js'
import type { RedisOutageLog } from '../sessions/redis-outage-log.js'
import { identityEngineDevices } from '../sessions/device-matcher.js'
import { openSessionBackend, type SessionBackend } from '../sessions/session-backend.js'
import { SessionCore } from '../sessions/session-core.js'
import { SourceMonitor } from '../sessions/source-monitor.js'
import type { User } from '../storage/storage.js'

export interface SessionsParts {
  readonly sessions: SessionCore<User>
  readonly sourceMonitor: SourceMonitor
  /** Where sessions and rate limits live: Redis when REDIS_URL is set, the database otherwise. */
  readonly backend: SessionBackend
}

/** Seed 000's sessions and tokens for linkprint's users, recovered through the identity engine's devices. */
export async function createSessions(config: Config, parts: {
  storage: SessionStoreStorage & ApiKeyStorage
  clock: Clock
  keys: SecretKeys
  secret: string
  identity: IdentityEngine
  environment: ClickEnvironment
  metrics: Metrics
  redisLog: RedisOutageLog
}): Promise<SessionsParts> {
  const { storage, clock, metrics, environment, redisLog } = parts
  let sessions: SessionCore<User> | undefined
  // Redis connection errors and failed sweeps: logged where the plugin pointed the core's log.
  const backend = await openSessionBackend({
    redisUrl: config.redisUrl, redisPrefix: config.redisPrefix, storage, clock,
    onError: (error) => (config.redisUrl ? redisLog.error('sessions and rate limits', error) : sessions?.log.warn({ err: error }, 'session store error')),
    onConnected: () => redisLog.connected('sessions and rate limits'),
  })
  const sourceMonitor = new SourceMonitor({
    now: () => clock.now(),
    warn: (details, message) => sessions?.log.warn(details, message),
    onSource: (source) => metrics.identitySources.api[source].inc(),
  })
  sessions = new SessionCore<User>({
    store: backend.store,
    limiter: backend.limiter,
    tokens: new AccessTokens({ keyring: TokenKeyring.fromSecrets(config.accessTokenSecret ?? parts.secret, config.accessTokenPreviousSecrets), clock, sessionKey: parts.keys.tokenSession }),
    clock,
    bindingKey: parts.keys.sessionBinding,
    loadUser: (id) => storage.users.findUserById(id),
    authenticateOther: (bearer) => userOfApiKey(storage, bearer),
    devices: identityEngineDevices(parts.identity.state),
    deviceCookie: environment.deviceCookie,
    networkOf: (ip) => environment.ipHasher.hash(ip).prefixHash,
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
    onRecovery: (outcome) => metrics.sessionRecoveries.labels(outcome).inc(),
    onRefresh: (outcome) => metrics.tokenRefreshes.labels(outcome).inc(),
  })
  return { sessions, sourceMonitor, backend }
}
