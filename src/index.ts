/**
 * linkprint's public API, in one list: what an application embedding linkprint (rather
 * than running `linkprint serve`) builds on. Anything not exported here is internal.
 */
export { loadConfig, type Config, type PrivacyMode } from './config/config.js'
export { createLinkprint, type Linkprint, type LinkprintOptions } from './linkprint.js'
export { buildApp, type AppOptions } from './http/app.js'
export { AppError, ERRORS, type ErrorCode } from './errors.js'
export { systemClock, type Clock } from './clock.js'
export { openRepositories, dialectFromUrl } from './storage/open-repositories.js'
export type { Repositories } from './storage/repositories.js'
export type { Link, LinkStats, ClickRecord, DialectName, RetentionCounts } from './storage/storage.js'
export { CLICK_PIPELINE, runClickPipeline, type ClickInput, type ClickEnvironment, type ClickOutcome, type DropReason } from './decisions/click-pipeline.js'
export { IdentityEngine, type IdentityDecision, type IdentitySource } from './identity/identity-engine.js'
export type { IdentitySignals } from './identity/identity-signals.js'
export type { IdentityState } from './identity/identity-state.js'
export { MemoryIdentityState } from './identity/memory-identity-state.js'
export { CORRELATION_RULES, type CorrelationRule } from './identity/correlation-rules.js'
export { computeFingerprints, FINGERPRINT_VERSION, type Fingerprints } from './identity/fingerprints.js'
export { RetentionJob, type RetentionJobOptions, type RetentionReport } from './privacy/retention-job.js'
export { VisitorData, type Visitor } from './privacy/visitor-data.js'
export { ReplayClock } from './replay/replay-clock.js'
export { replay, type ReplayDecision, type ReplaySummary } from './replay/replay.js'
export * from './sessions/index.js'
