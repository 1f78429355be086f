import type { GeoResult } from '../signals/geo/geo-result.js'
import type { ClickRecord, NewClick } from './storage.js'

/**
 * A storage context (enhanced_fingerprints row) as it stood at one of its clicks: the
 * fingerprint's fixed parts, its placement (confidence, evidence, correlation type) and
 * the click's address, time and session hash — everything the identity engine keeps.
 */
export interface StoredContext {
  clickId: number
  key: string
  firstSeen: number
  /** The click's time. */
  lastSeen: number
  deviceHash: string
  browserHash: string
  primaryHash: string
  sessionHash: string
  sdkDevice: string | null
  sdkBrowser: string | null
  browserName: string | null
  osName: string | null
  deviceType: string
  ipHash: string
  prefixHash: string
  confidence: number
  correlationType: 'exact' | 'partial' | null
  factors: string[]
  /** The geo the click was attributed to (after the per-device stability rule, as stored). */
  geo: GeoResult | null
  /** The click's primary language, user agent and client hints as stored: what the engine keeps of the kind of device (its language, a specific model). */
  language: string | null
  userAgent: string | null
  hints: Record<string, unknown> | null
}

/** A storage context that is not the root of its own cluster at some level. */
export interface ClusterMembership {
  key: string
  browserRoot: string
  deviceRoot: string
  /** When each root was first seen (its enhanced_fingerprints.created_at). */
  browserRootFirstSeen: number
  deviceRootFirstSeen: number
}

/** A click as the migration job reads it. */
export type ClickForRecompute = Pick<
  NewClick,
  'link_id' | 'ts' | 'ip_hash' | 'ip_prefix_hash' | 'user_agent' | 'is_bot' | 'identity_source' | 'fingerprint_id' | 'sdk_device_hash' | 'sdk_browser_hash' | 'signals'
> & { id: number }

/** The identity columns of a click, recomputed. */
export type RecomputedColumns = Pick<NewClick, 'browser_id' | 'device_id' | 'confidence' | 'identity_source' | 'fingerprint_version' | 'fingerprint_id' | 'session_hash' | 'device_hash'>

/** One recomputed click: its new identity columns, and the fingerprint rows and cluster moves it causes. */
export interface RecomputedClick {
  id: number
  ts: number
  columns: RecomputedColumns
  effects: Omit<ClickRecord, 'click'>
}

export interface RecentFingerprint {
  key: string
  deviceHash: string
  browserHash: string
  primaryHash: string
  sdkDevice: string | null
  sdkBrowser: string | null
  browserName: string | null
  osName: string | null
  deviceType: string
  confidence: number
  factors: string[]
  version: number
  createdAt: number
  lastSeen: number
  browserCluster: string | null
  deviceCluster: string | null
  correlationType: string | null
}

export interface RecentCluster {
  deviceCluster: string
  updatedAt: number
  /** All members, though at most `maxMembers` are listed. */
  size: number
  members: Array<{
    key: string
    browserCluster: string
    correlationType: string | null
    confidence: number
    factors: string[]
    browserName: string | null
    osName: string | null
    deviceType: string | null
    createdAt: number | null
  }>
}

export interface IdentityOverview {
  humanClicks: number
  /** Clicks per identity source (seed 000's tiers); null: not resolved (bots excluded; legacy rows). */
  sources: Array<{ source: string | null; clicks: number }>
  /** Distinct visitors over all links, by each algorithm. */
  unique: { legacy: number; robustBrowsers: number; robustDevices: number }
  clickVersions: Array<{ version: number | null; clicks: number }>
  fingerprintVersions: Array<{ version: number; fingerprints: number }>
  fingerprints: number
  deviceClusters: number
  browserClusters: number
}

/**
 * What the identity engine keeps in storage beyond the click rows: reloading its working
 * state after a restart (identity-state-loader.ts), the fingerprint migration job
 * (fingerprint-migration.ts) and the debug API. Both dialects serve it through the same
 * Kysely queries.
 */
export interface IdentityStorage {
  /** The highest click id, 0 when there is none. */
  lastClickId(): Promise<number>
  /** The time of the last click at or before `upToId`; null when there is none. */
  lastClickTs(upToId: number): Promise<number | null>
  /**
   * The smallest click id from which every click is at least as recent as `ts`, searched
   * up to `upToId` (clicks are written in the order they happened, so ids grow with time).
   * `upToId + 1` when none is.
   */
  firstClickIdFrom(ts: number, upToId: number): Promise<number>
  /** Merged storage contexts (not their own root at some level), in key order after `afterKey`. */
  memberships(afterKey: string, limit: number): Promise<ClusterMembership[]>
  /** The merge evidence stored with each context (fingerprint_correlations.edges), in key order after `afterKey`. */
  edges(afterKey: string, limit: number): Promise<Array<{ key: string; edges: Array<{ other: string; level: 'browser' | 'device'; provisionalOn: string | null }> }>>
  /**
   * The `limit` storage contexts whose last resolved human click has an id in
   * [fromId, beforeId), each as at that click, least recent first.
   */
  latestContexts(fromId: number, beforeId: number, limit: number): Promise<StoredContext[]>
  /** Every resolved human click with id in (afterId, upToId], in id order, as its context stood then. */
  contextSightings(afterId: number, upToId: number, limit: number): Promise<StoredContext[]>
  /**
   * For every resolved human click with id in [fromId, upToId], each combination once:
   * its link, its browser and device as they stood at the click (null when it was stored
   * under the legacy algorithm) and its clusters now.
   */
  clickedClusters(fromId: number, upToId: number): Promise<Array<{ linkId: number; browserThen: string | null; deviceThen: string | null; browserRoot: string; deviceRoot: string }>>

  /** Clicks after `afterId` in id order (bots included: the job counts them as processed). */
  clicksForRecompute(afterId: number, limit: number): Promise<ClickForRecompute[]>
  /**
   * One transaction: the clicks' identity columns, their fingerprint rows and cluster
   * moves (in the click writer's order: rows first, then moves), and the job's progress
   * setting, so a chunk and the record of it being done commit together.
   */
  writeRecomputed(clicks: readonly RecomputedClick[], progress: { key: string; value: string }): Promise<void>
  /** One transaction: empties enhanced_fingerprints and fingerprint_correlations and stores the progress setting. */
  resetIdentity(progress: { key: string; value: string }): Promise<void>

  overview(): Promise<IdentityOverview>
  recentFingerprints(limit: number): Promise<RecentFingerprint[]>
  recentClusters(limit: number, maxMembers: number): Promise<RecentCluster[]>
  /** The `signals` JSON of the latest human clicks (the debug API samples geo tiers from it). */
  recentSignals(limit: number): Promise<string[]>
}
