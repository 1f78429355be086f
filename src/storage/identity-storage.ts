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
