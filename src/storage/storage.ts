import type { RedirectMode } from '../config/config.js'
import type { ClicksTable, EnhancedFingerprintsTable, FingerprintCorrelationsTable } from './database.js'
import type { BreakdownName } from './rollups/rollup-dimensions.js'

// The records the repositories (repositories.ts) take and return, shared by their consumers.

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
  /** REDIRECT_MODE for this link; null follows the server's. */
  redirectMode: RedirectMode | null
  tags: string[]
  clickCount: number
  /** The host of its short URL: one of the domains table, or '' for the default domain. */
  domain: string
}

export type RedirectStatus = 301 | 302 | 307 | 308

/** redirectMode optional: a link made without one follows the server; `domain` left out: the default domain. */
export type NewLink = Omit<Link, 'id' | 'clickCount' | 'redirectMode' | 'domain'> & { redirectMode?: RedirectMode | null; domain?: string }
export type LinkPatch = Partial<Pick<Link, 'url' | 'expiresAt' | 'maxClicks' | 'redirectStatus' | 'redirectMode' | 'tags'>> & { updatedAt: number }

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

export interface BreakdownItem {
  /** null: unknown. */
  value: string | null
  clicks: number
  browserUniqueClicks: number
  deviceUniqueClicks: number
  /** Geo breakdowns: whether the value was inferred from language and time zone, and the geo answers' mean confidence (0–100). */
  inferred?: boolean
  confidence?: number | null
}

export type Breakdowns = Record<BreakdownName, BreakdownItem[]> & { botReasons: Array<{ value: string | null; clicks: number }> }

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
