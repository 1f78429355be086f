import type { ClicksTable, EnhancedFingerprintsTable, FingerprintCorrelationsTable } from './database.js'
import type { IdentityStorage } from './identity-storage.js'
import type { RollupAnalytics } from './rollups/rollup-analytics.js'

export type DialectName = 'sqlite' | 'postgres'

export interface User {
  id: number
  email: string
  passwordHash: string
  isAdmin: boolean
  createdAt: number
}

export interface ApiKey {
  id: number
  userId: number
  name: string
  prefix: string
  createdAt: number
  revokedAt: number | null
}

export interface Session {
  idHash: string
  userId: number | null
  createdAt: number
  expiresAt: number
  revokedAt: number | null
  /** Keyed hash of the device fingerprint the session is bound to; null: not recoverable (src/sessions). */
  deviceHash?: string | null
  /** The identity engine's device cluster of that fingerprint when the session was bound. */
  deviceCluster?: string | null
  /** The successor's id hash once a recovery rotated this session. */
  rotatedTo?: string | null
}

export interface Link {
  id: number
  slug: string
  url: string
  userId: number
  createdAt: number
  updatedAt: number
  expiresAt: number | null
  maxClicks: number | null
  redirectStatus: RedirectStatus
  tags: string[]
  clickCount: number
}

export type RedirectStatus = 301 | 302 | 307 | 308

export type NewLink = Omit<Link, 'id' | 'clickCount'>
export type LinkPatch = Partial<Pick<Link, 'url' | 'expiresAt' | 'maxClicks' | 'redirectStatus' | 'tags'>> & { updatedAt: number }

export type NewClick = Omit<ClicksTable, 'id'>
export type ClickRow = ClicksTable & { id: number }
export type NewFingerprint = EnhancedFingerprintsTable
export type NewCorrelation = FingerprintCorrelationsTable

/** A cluster merge to apply to fingerprint_correlations: every row in `absorbed` moves to `into`. */
export interface ClusterMergeRow {
  level: 'browser' | 'device'
  absorbed: string
  into: string
}

/**
 * What one click writes: the click, the storage context the identity engine saw for the
 * first time (if any), and the merges it caused, applied in this order.
 */
export interface ClickRecord {
  click: NewClick
  fingerprint?: { row: NewFingerprint; correlation: NewCorrelation }
  merges?: readonly ClusterMergeRow[]
  /** Contexts whose clusters were rebuilt (withdrawn evidence), with their new roots; applied after the merges. */
  reassignments?: ReadonlyArray<{ fingerprintId: string; browserClusterId: string; deviceClusterId: string }>
}

/**
 * A stored click found to be a bot after it was written (an email scanner recognised by the
 * burst it was part of, a time-of-click check recognised by the click that followed it).
 * The row is found by what the click wrote; identical rows are interchangeable for every
 * count, so the first still-human one is the one changed.
 */
export interface ClickReclassification {
  link_id: number
  ts: number
  ip_hash: string
  method: string
  user_agent: string | null
  bot_reason: string
}

export type FingerprintingAlgorithm = 'legacy' | 'robust'

export interface LinkQuery {
  /** Undefined: every user's links (admins). */
  userId?: number
  tag?: string
  /** Case-insensitive substring of the slug or the URL, taken literally (no wildcards). */
  search?: string
  limit: number
  /** Links with a smaller id than this, newest first. */
  beforeId?: number
}

export interface TimeRange {
  from?: number
  to?: number
}

export interface LinkStats {
  linkId: number
  slug: string
  clicks: number
  browserUniqueClicks: number
  deviceUniqueClicks: number
  avgConfidence: number | null
  botClicks: number
}

export interface Bucket {
  start: number
  clicks: number
  browserUniqueClicks: number
  deviceUniqueClicks: number
  botClicks: number
}

export interface Breakdown {
  value: string | null
  clicks: number
}

/** Rows a retention run deleted (or, dry, would delete). */
export interface RetentionCounts {
  clicks: number
  /** enhanced_fingerprints rows. */
  fingerprints: number
  /** fingerprint_correlations rows. */
  correlations: number
}

/** A place in enhanced_fingerprints' (last_seen, id) order. */
export interface ContextCursor {
  lastSeen: number
  id: string
}

/** A click of one visitor, with the slug of the link it followed (null: the link is gone). */
export type VisitorClickRow = ClickRow & { slug: string | null }

/** A storage context (enhanced_fingerprints row) with its clusters, as a visitor export shows it. */
export interface VisitorContext {
  key: string
  browserName: string | null
  osName: string | null
  deviceType: string | null
  createdAt: number | null
  lastSeen: number | null
  browserCluster: string | null
  deviceCluster: string | null
  correlationType: string | null
}

export interface MigrationState {
  name: string
  executedAt: number | null
}

/**
 * Everything linkprint keeps. This interface is the only code that knows which database
 * is underneath; both dialects serve it through the same Kysely queries.
 */
export interface Storage {
  readonly dialect: DialectName
  /** The identity engine's reads and writes beyond clicks: restart reload, migration job, debug API. */
  readonly identity: IdentityStorage
  /** Stats, series and breakdowns from the hourly rollups (rollups/). */
  readonly analytics: RollupAnalytics

  migrateUp(): Promise<string[]>
  migrateDown(): Promise<string | null>
  migrations(): Promise<MigrationState[]>

  /** Stores the value unless one is already there; returns the one that is kept (first writer wins across instances). */
  ensureSetting(key: string, value: string): Promise<string>
  setSetting(key: string, value: string): Promise<void>
  getSetting(key: string): Promise<string | undefined>

  countUsers(): Promise<number>
  createUser(user: Omit<User, 'id'>): Promise<User>
  findUserByEmail(email: string): Promise<User | undefined>
  findUserById(id: number): Promise<User | undefined>
  /** The users of these ids that exist, in one query (link owners of a page). */
  findUsersByIds(ids: readonly number[]): Promise<User[]>

  createApiKey(key: Omit<ApiKey, 'id' | 'revokedAt'> & { keyHash: string }): Promise<ApiKey>
  findApiKeyByHash(keyHash: string): Promise<ApiKey | undefined>
  revokeApiKey(id: number, at: number): Promise<boolean>

  createSession(session: Omit<Session, 'revokedAt' | 'rotatedTo'>): Promise<void>
  findSession(idHash: string): Promise<Session | undefined>
  revokeSession(idHash: string, at: number): Promise<boolean>
  /**
   * One transaction: when `oldIdHash` is alive at `at` (not revoked, not expired), marks it
   * rotated to `next` and creates `next`. False, and nothing written, otherwise.
   */
  rotateSession(oldIdHash: string, next: Omit<Session, 'revokedAt' | 'rotatedTo'>, at: number): Promise<boolean>
  /** Removes sessions that expired before `before`; returns how many. */
  deleteExpiredSessions(before: number): Promise<number>
  listApiKeys(userId: number): Promise<ApiKey[]>

  /** Throws AppError SLUG_TAKEN when the slug exists. */
  createLink(link: NewLink): Promise<Link>
  findLinkBySlug(slug: string): Promise<Link | undefined>
  listLinks(query: LinkQuery): Promise<Link[]>
  updateLink(id: number, patch: LinkPatch): Promise<Link | undefined>
  /** Removes the link and its clicks. */
  deleteLink(id: number): Promise<boolean>

  /** One transaction: the clicks, the links' human-click counters, new fingerprints and cluster merges. */
  insertClicks(records: readonly ClickRecord[]): Promise<void>
  countClicks(linkId?: number): Promise<number>
  /**
   * One transaction: each click becomes a bot with its reason, and stops counting against
   * its link's click_count. Clicks already bots, or not found, are left alone; returns how
   * many changed.
   */
  reclassifyClicks(clicks: readonly ClickReclassification[]): Promise<number>
  linkStats(linkId: number, range: TimeRange): Promise<LinkStats | undefined>
  allLinkStats(range: TimeRange): Promise<LinkStats[]>
  /** linkStats of several links in one query (a page of the link list); links that do not exist are left out. */
  linkStatsOf(linkIds: readonly number[], range: TimeRange): Promise<LinkStats[]>
  /** The view unified_click_analytics, as SQL sees it (kept to check it agrees with linkStats). */
  unifiedClickAnalytics(): Promise<Array<{ linkId: number; totalClicks: number; browserUniqueClicks: number; deviceUniqueClicks: number; avgConfidence: number | null }>>
  timeSeries(linkId: number, range: TimeRange, bucketMs: number): Promise<Bucket[]>
  /** Recounts the unique flags and the rollups from the clicks (after the fingerprint migration job rewrote their clusters). */
  rebuildRollups(): Promise<void>
  breakdown(linkId: number, range: TimeRange, column: 'referrer_host' | 'identity_source' | 'bot_reason' | 'country'): Promise<Breakdown[]>
  /** Pages through a link's clicks in id order, for exports that never hold them all in memory. */
  clicksPage(linkId: number, range: TimeRange, afterId: number, limit: number): Promise<ClickRow[]>

  /**
   * Retention (privacy/retention-job.ts): deletes the clicks with `afterId < id <= upToId`
   * and `ts < before`. `keptMinTs` is the earliest ts left in that range (null: none left),
   * so a later run can skip the range until its cutoff passes it; `nextId`, given only when
   * the range held no click at all, is the first id after it (null: none). Links'
   * click_count is left alone: it counts clicks ever made against the limit.
   */
  deleteExpiredClicks(before: number, afterId: number, upToId: number): Promise<{ deleted: number; keptMinTs: number | null; nextId?: number | null }>
  /**
   * Retention: of the next `limit` storage contexts last seen before `before`, in
   * (last_seen, id) order after `after`, deletes those that no click references and that
   * are not the browser or device root of another context: both their rows
   * (enhanced_fingerprints, fingerprint_correlations), in one transaction. `scannedTo` is
   * the last context looked at (null: none after `after`).
   */
  deleteExpiredIdentities(before: number, after: ContextCursor | null, limit: number): Promise<Omit<RetentionCounts, 'clicks'> & { scannedTo: ContextCursor | null }>
  /** What deleteExpiredClicks and deleteExpiredIdentities, repeated until nothing is left, would delete; deletes nothing. */
  countExpired(before: number): Promise<RetentionCounts>

  /** Per-visitor export and deletion (privacy/visitor-data.ts): the device cluster a context is in, as fingerprint_correlations stores it. */
  deviceClusterOf(key: string): Promise<string | undefined>
  /** The storage contexts fingerprint_correlations places in this device cluster. */
  clusterContexts(deviceCluster: string): Promise<string[]>
  /** The contexts' identity rows (those that exist), in key order. */
  visitorContexts(keys: readonly string[]): Promise<VisitorContext[]>
  /** Pages through the clicks of these storage contexts (clicks.fingerprint_id) in id order. */
  visitorClicksPage(keys: readonly string[], afterId: number, limit: number): Promise<VisitorClickRow[]>
  /**
   * Deletes the clicks of these storage contexts, at most `limit` a statement, then their
   * identity rows. Links' click_count is left alone, as retention leaves it.
   */
  deleteVisitorData(keys: readonly string[], limit: number): Promise<RetentionCounts>

  close(): Promise<void>
}
