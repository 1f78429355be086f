import type { Generated } from 'kysely'

/**
 * Tables as both dialects store them. Times are epoch milliseconds and flags are 0/1
 * integers in both, so rows read the same from SQLite and PostgreSQL.
 */
export interface Database {
  settings: SettingsTable
  users: UsersTable
  api_keys: ApiKeysTable
  sessions: SessionsTable
  links: LinksTable
  domains: DomainsTable
  clicks: ClicksTable
  enhanced_fingerprints: EnhancedFingerprintsTable
  fingerprint_correlations: FingerprintCorrelationsTable
  click_rollups: LinkRollupsTable
  account_rollups: AccountRollupsTable
  link_visitors: LinkVisitorsTable
  click_batches: ClickBatchesTable
  identity_snapshot_parts: IdentitySnapshotPartsTable
}

/** The identity engine's snapshot, part by part (migration 010; PostgreSQL only). */
export interface IdentitySnapshotPartsTable {
  part: number
  data: Buffer
}

/** Committed click batches by id (migration 008): a retried PostgreSQL batch is written once. */
export interface ClickBatchesTable {
  id: string
  written_at: number
}

export interface SettingsTable {
  key: string
  value: string
}

export interface UsersTable {
  id: Generated<number>
  email: string
  password_hash: string
  is_admin: number
  created_at: number
}

export interface ApiKeysTable {
  id: Generated<number>
  user_id: number
  name: string
  /** The first characters of the key, shown in listings so a user can tell keys apart. */
  prefix: string
  key_hash: string
  created_at: number
  revoked_at: number | null
}

export interface SessionsTable {
  id_hash: string
  user_id: number | null
  created_at: number
  expires_at: number
  revoked_at: number | null
  /** Keyed hash of the X-Device-Fingerprint the session is bound to (migration 003); null: not recoverable. */
  device_hash: string | null
  /** The identity engine's device cluster of that fingerprint when the session was bound. */
  device_cluster: string | null
  /** The successor's id hash once a recovery rotated this session. */
  rotated_to: string | null
}

export interface LinksTable {
  id: Generated<number>
  slug: string
  url: string
  user_id: number
  created_at: number
  updated_at: number
  expires_at: number | null
  max_clicks: number | null
  redirect_status: number
  /** 'direct' | 'bridge'; null follows REDIRECT_MODE (migration 006). */
  redirect_mode: string | null
  /** JSON array of strings. */
  tags: string
  /** Human clicks only: bots never count against a limit. */
  click_count: Generated<number>
  /** A host of the domains table, or '' for the default domain (migration 007). */
  domain: Generated<string>
}

export interface DomainsTable {
  id: Generated<number>
  /** Lower-case host, with its port when not the scheme's default. */
  host: string
  created_at: number
}

export interface ClicksTable {
  id: Generated<number>
  link_id: number
  ts: number
  ip_hash: string
  ip_prefix_hash: string
  user_agent: string | null
  referrer_host: string | null
  method: string
  is_bot: number
  bot_reason: string | null
  browser_id: string | null
  device_id: string | null
  confidence: number | null
  identity_source: string | null
  fingerprint_version: number | null
  /** The identity engine's storage context (enhanced_fingerprints.id); its clusters are in fingerprint_correlations. */
  fingerprint_id: string | null
  /** The legacy algorithm's id (cookie, else address + user agent), kept for rollback. */
  legacy_id: string | null
  session_hash: string | null
  device_hash: string | null
  sdk_device_hash: string | null
  sdk_browser_hash: string | null
  /** JSON of the remaining signals a recomputation needs (never a raw address). */
  signals: string | null
  /** ISO 3166-1 alpha-2 country of the click's geo, null when unknown (and for bots). */
  country: string | null
  /** The breakdowns' columns (migration 009), null for bots and for clicks stored before it that it could not fill. */
  browser_name?: string | null
  os_name?: string | null
  device_type?: string | null
  city?: string | null
  language?: string | null
  /** The geo tier the country and city came from (edge, database, api, inference) and its confidence. */
  geo_source?: string | null
  geo_confidence?: number | null
  /** 1 on the first human click of its browser (device) cluster on its link: summed, they are the unique counts (docs/analytics.md). */
  browser_unique?: number
  device_unique?: number
}

/** One hour of one link (click_rollups) or of one user's links (account_rollups): the totals (dimension '') or one breakdown value. */
export interface RollupColumns {
  hour: number
  /** '' for the hour's totals, else a breakdown's name (rollup-dimensions.ts). */
  dimension: string
  /** The breakdown's value, '' for unknown. */
  value: string
  clicks: number
  browser_uniques: number
  device_uniques: number
  bot_clicks: number
  /** Of the human clicks' confidence (totals) or geo confidence (geo breakdowns), with how many had one. */
  confidence_sum: number
  confidence_count: number
}

export interface LinkRollupsTable extends RollupColumns {
  link_id: number
}

export interface AccountRollupsTable extends RollupColumns {
  user_id: number
}

/** A (browser or device) cluster that has a human click on a link: the writer's test for a unique click. */
export interface LinkVisitorsTable {
  level: 'browser' | 'device'
  cluster_id: string
  link_id: number
}

export interface EnhancedFingerprintsTable {
  id: string
  device_fingerprint: string
  browser_fingerprint: string
  session_fingerprint: string
  primary_fingerprint: string
  sdk_device_hash: string | null
  sdk_browser_hash: string | null
  browser_name: string | null
  os_name: string | null
  device_type: string
  confidence: number
  /** JSON array of the evidence that placed this context in its clusters. */
  correlation_factors: string
  fingerprint_version: number
  created_at: number
  last_seen: number
}

export interface FingerprintCorrelationsTable {
  fingerprint_id: string
  browser_cluster_id: string
  device_cluster_id: string
  correlation_type: string | null
  confidence_score: number
  updated_at: number
  /** JSON `[[other, "browser"|"device", provisionalOn|null], …]`: the merge evidence the engine recorded for this context (migration 004). */
  edges?: string | null
}
