/**
 * Seed 000 as a package: sessions, tokens and the anonymous-visitor flow for any Fastify
 * application (sessionsPlugin), or any other server (SessionCore.handle takes a plain
 * request). examples/anonymous-sessions/ shows both.
 */
export { sessionsPlugin, type SessionsPluginOptions, type SessionsHandle } from './sessions-plugin.js'
export { SessionCore, DEFAULT_LIMITS, type SessionCoreOptions, type SessionInfo, type SessionLimits, type SessionLog, type SessionUser, type Visitor, type IssuedSession, type RecoveryOutcome } from './session-core.js'
export { VisitorIdentifier, type VisitorIdentity, type PrivacyChoice, type SignalRejection } from './visitor-identifier.js'
export type { PlainRequest } from './plain-request.js'
export type { SessionStore, StoredSession, NewSession } from './session-store.js'
export { RedisSessionStore } from './redis-session-store.js'
export { DatabaseSessionStore } from './database-session-store.js'
export type { RateLimiter, RateLimit, RateWindow } from './rate-limiter.js'
export { MemoryRateLimiter } from './memory-rate-limiter.js'
export { RedisRateLimiter } from './redis-rate-limiter.js'
export { openSessionBackend, type SessionBackend, type SessionBackendOptions } from './session-backend.js'
export { identityEngineDevices, type DeviceMatcher, type DeviceCandidate } from './device-matcher.js'
export { SourceMonitor, IDENTITY_SOURCES, type SourceBurstWarning } from './source-monitor.js'
export { sendError } from './send-error.js'
export { AccessTokens } from '../auth/access-tokens.js'
export { TokenKeyring } from '../auth/token-keyring.js'
