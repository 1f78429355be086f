import { sql, type Kysely, type Transaction } from 'kysely'
import type { GeoResult } from '../signals/geo/geo-result.js'
import type { ClicksTable, Database, EnhancedFingerprintsTable } from './database.js'
import type {
  ClickForRecompute, ClusterMembership, IdentityOverview, RecentCluster, RecentFingerprint, RecomputedClick, StoredContext,
} from './identity-storage.js'

/** Clicks per UPDATE (9 parameters each; SQLite allows 32 766 a statement) and contexts per upsert (16 each). */
const UPDATE_SLICE = 500
const UPSERT_SLICE = 500
/** Keys per IN list. */
const KEY_SLICE = 500

/** A human click the engine resolved (a deferred one, while the migration job runs, is not yet). */
const RESOLVED = sql`c.is_bot = 0 AND c.fingerprint_id IS NOT NULL AND c.identity_source IS NOT NULL`

/** One row of CONTEXT_COLUMNS: the click, its context as enhanced_fingerprints stores it, and its correlation type. */
type ContextRow = Pick<ClicksTable, 'ts' | 'ip_hash' | 'ip_prefix_hash' | 'session_hash' | 'signals' | 'user_agent'> &
  Omit<EnhancedFingerprintsTable, 'fingerprint_version' | 'last_seen'> & { click_id: number; correlation_type: string | null }

const CONTEXT_COLUMNS = sql`c.id AS click_id, c.ts, c.ip_hash, c.ip_prefix_hash, c.session_hash, c.signals, c.user_agent,
  ef.id, ef.device_fingerprint, ef.browser_fingerprint, ef.session_fingerprint, ef.primary_fingerprint, ef.sdk_device_hash, ef.sdk_browser_hash,
  ef.browser_name, ef.os_name, ef.device_type, ef.confidence, ef.correlation_factors, ef.created_at, fc.correlation_type`

/**
 * What the identity engine keeps in storage beyond the click rows: reloading its working
 * state after a restart (identity-state-loader.ts), the fingerprint migration job
 * (fingerprint-migration.ts) and the debug API. Both dialects serve it through the same
 * Kysely queries.
 */
export class IdentityRepository {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  /** The highest click id, 0 when there is none. */
  async lastClickId(): Promise<number> {
    const row = await this.#db.selectFrom('clicks').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst()
    return row?.id === null || row?.id === undefined ? 0 : Number(row.id)
  }

  /** The time of the last click at or before `upToId`; null when there is none. */
  async lastClickTs(upToId: number): Promise<number | null> {
    const row = await this.#db.selectFrom('clicks').select('ts').where('id', '<=', upToId).orderBy('id', 'desc').limit(1).executeTakeFirst()
    return row ? Number(row.ts) : null
  }

  /**
   * The smallest click id from which every click is at least as recent as `ts`, searched
   * up to `upToId` (clicks are written in the order they happened, so ids grow with time).
   * `upToId + 1` when none is.
   */
  async firstClickIdFrom(ts: number, upToId: number): Promise<number> {
    // Smallest `mid` whose first click at or after it is recent enough: log2(clicks) primary-key lookups, no index on ts needed.
    let lo = 0
    let hi = upToId + 1
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2)
      const row = await this.#db.selectFrom('clicks').select('ts').where('id', '>=', mid).where('id', '<=', upToId).orderBy('id').limit(1).executeTakeFirst()
      if (!row || Number(row.ts) >= ts) hi = mid
      else lo = mid + 1
    }
    return lo
  }

  /** Merged storage contexts (not their own root at some level), in key order after `afterKey`. */
  async memberships(afterKey: string, limit: number): Promise<ClusterMembership[]> {
    const { rows } = await sql<{ fingerprint_id: string; browser_cluster_id: string; device_cluster_id: string; browser_first: number | null; device_first: number | null }>`
      SELECT fc.fingerprint_id, fc.browser_cluster_id, fc.device_cluster_id, eb.created_at AS browser_first, ed.created_at AS device_first
      FROM fingerprint_correlations fc
      LEFT JOIN enhanced_fingerprints eb ON eb.id = fc.browser_cluster_id
      LEFT JOIN enhanced_fingerprints ed ON ed.id = fc.device_cluster_id
      WHERE fc.fingerprint_id > ${afterKey} AND (fc.browser_cluster_id <> fc.fingerprint_id OR fc.device_cluster_id <> fc.fingerprint_id)
      ORDER BY fc.fingerprint_id
      LIMIT ${limit}
    `.execute(this.#db)
    return rows.map((r) => ({
      key: r.fingerprint_id,
      browserRoot: r.browser_cluster_id,
      deviceRoot: r.device_cluster_id,
      // A root always has its own row; were it missing, the root would simply lose every tie.
      browserRootFirstSeen: r.browser_first === null ? Number.MAX_SAFE_INTEGER : Number(r.browser_first),
      deviceRootFirstSeen: r.device_first === null ? Number.MAX_SAFE_INTEGER : Number(r.device_first),
    }))
  }

  /** The merge evidence stored with each context (fingerprint_correlations.edges), in key order after `afterKey`. */
  async edges(afterKey: string, limit: number) {
    const rows = await this.#db
      .selectFrom('fingerprint_correlations')
      .select(['fingerprint_id', 'edges'])
      .where('fingerprint_id', '>', afterKey)
      .where('edges', 'is not', null)
      .orderBy('fingerprint_id')
      .limit(limit)
      .execute()
    return rows.map((r) => ({ key: r.fingerprint_id, edges: parseEdges(r.edges ?? null) }))
  }

  /** The merge evidence stored with each of these contexts (those with none are left out). */
  async edgesOfKeys(keys: readonly string[]): Promise<Map<string, ReturnType<typeof parseEdges>>> {
    const out = new Map<string, ReturnType<typeof parseEdges>>()
    for (let i = 0; i < keys.length; i += KEY_SLICE) {
      const rows = await this.#db
        .selectFrom('fingerprint_correlations')
        .select(['fingerprint_id', 'edges'])
        .where('fingerprint_id', 'in', keys.slice(i, i + KEY_SLICE))
        .where('edges', 'is not', null)
        .execute()
      for (const r of rows) out.set(r.fingerprint_id, parseEdges(r.edges ?? null))
    }
    return out
  }

  /**
   * The `limit` storage contexts whose last resolved human click has an id in
   * [fromId, beforeId), each as at that click, least recent first.
   */
  async latestContexts(fromId: number, beforeId: number, limit: number): Promise<StoredContext[]> {
    const { rows } = await sql<ContextRow>`
      SELECT ${CONTEXT_COLUMNS}
      FROM clicks c
      JOIN enhanced_fingerprints ef ON ef.id = c.fingerprint_id
      LEFT JOIN fingerprint_correlations fc ON fc.fingerprint_id = c.fingerprint_id
      WHERE c.id IN (
        SELECT MAX(c.id) FROM clicks c
        WHERE c.id >= ${fromId} AND c.id < ${beforeId} AND ${RESOLVED}
        GROUP BY c.fingerprint_id
        ORDER BY MAX(c.id) DESC
        LIMIT ${limit}
      )
      ORDER BY c.id
    `.execute(this.#db)
    return rows.map(toContext)
  }

  /** Every resolved human click with id in (afterId, upToId], in id order, as its context stood then. */
  async contextSightings(afterId: number, upToId: number, limit: number): Promise<StoredContext[]> {
    const { rows } = await sql<ContextRow>`
      SELECT ${CONTEXT_COLUMNS}
      FROM clicks c
      JOIN enhanced_fingerprints ef ON ef.id = c.fingerprint_id
      LEFT JOIN fingerprint_correlations fc ON fc.fingerprint_id = c.fingerprint_id
      WHERE c.id > ${afterId} AND c.id <= ${upToId} AND ${RESOLVED}
      ORDER BY c.id
      LIMIT ${limit}
    `.execute(this.#db)
    return rows.map(toContext)
  }

  /**
   * For every resolved human click with id in [fromId, upToId], each combination once:
   * its link, its browser and device as they stood at the click (null when it was stored
   * under the legacy algorithm) and its clusters now.
   */
  async clickedClusters(fromId: number, upToId: number) {
    // The click's own ids are its clusters as they stood then, unless it was stored under the legacy algorithm (then they are its legacy id).
    const { rows } = await sql<{ link_id: number; browser_then: string | null; device_then: string | null; browser_cluster_id: string; device_cluster_id: string }>`
      SELECT DISTINCT c.link_id,
             CASE WHEN c.browser_id = c.legacy_id THEN NULL ELSE c.browser_id END AS browser_then,
             CASE WHEN c.device_id = c.legacy_id THEN NULL ELSE c.device_id END AS device_then,
             fc.browser_cluster_id, fc.device_cluster_id
      FROM clicks c JOIN fingerprint_correlations fc ON fc.fingerprint_id = c.fingerprint_id
      WHERE c.id >= ${fromId} AND c.id <= ${upToId} AND ${RESOLVED}
    `.execute(this.#db)
    return rows.map((r) => ({ linkId: Number(r.link_id), browserThen: r.browser_then, deviceThen: r.device_then, browserRoot: r.browser_cluster_id, deviceRoot: r.device_cluster_id }))
  }

  /** Clicks after `afterId` in id order (bots included: the job counts them as processed). */
  async clicksForRecompute(afterId: number, limit: number): Promise<ClickForRecompute[]> {
    const rows = await this.#db
      .selectFrom('clicks')
      .select(['id', 'link_id', 'ts', 'ip_hash', 'ip_prefix_hash', 'user_agent', 'is_bot', 'identity_source', 'fingerprint_id', 'sdk_device_hash', 'sdk_browser_hash', 'signals'])
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute()
    return rows.map((r) => ({ ...r, id: Number(r.id), link_id: Number(r.link_id), ts: Number(r.ts), is_bot: Number(r.is_bot) }))
  }

  /**
   * One transaction: the clicks' identity columns, their fingerprint rows and cluster
   * moves (in the click writer's order: rows first, then moves), and the job's progress
   * setting, so a chunk and the record of it being done commit together.
   */
  async writeRecomputed(clicks: readonly RecomputedClick[], progress: { key: string; value: string }): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      // One statement per slice of clicks: UPDATE … FROM (VALUES …), which both databases
      // run; every value is cast so PostgreSQL knows the types of the derived table.
      for (let i = 0; i < clicks.length; i += UPDATE_SLICE) {
        const slice = clicks.slice(i, i + UPDATE_SLICE)
        const rows = sql.join(slice.map(({ id, columns: c }) => sql`(${sql.join([
          sql`CAST(${id} AS bigint)`, sql`CAST(${c.browser_id} AS text)`, sql`CAST(${c.device_id} AS text)`, sql`CAST(${c.confidence} AS real)`,
          sql`CAST(${c.identity_source} AS text)`, sql`CAST(${c.fingerprint_version} AS integer)`, sql`CAST(${c.fingerprint_id} AS text)`,
          sql`CAST(${c.session_hash} AS text)`, sql`CAST(${c.device_hash} AS text)`,
        ])})`))
        await sql`
          UPDATE clicks SET browser_id = v.browser_id, device_id = v.device_id, confidence = v.confidence, identity_source = v.identity_source,
            fingerprint_version = v.fingerprint_version, fingerprint_id = v.fingerprint_id, session_hash = v.session_hash, device_hash = v.device_hash
          FROM (SELECT column1 AS id, column2 AS browser_id, column3 AS device_id, column4 AS confidence, column5 AS identity_source,
                       column6 AS fingerprint_version, column7 AS fingerprint_id, column8 AS session_hash, column9 AS device_hash
                FROM (VALUES ${rows}) AS t) AS v
          WHERE clicks.id = v.id
        `.execute(trx)
      }
      // One row per context, the last (a context placed anew later in the chunk comes twice):
      // what upserting them one by one would leave, in one statement each.
      const stored = [...new Map(clicks.flatMap(({ effects: e }) => (e.fingerprint ? [[e.fingerprint.row.id, e.fingerprint] as const] : []))).values()]
      for (let i = 0; i < stored.length; i += UPSERT_SLICE) {
        const slice = stored.slice(i, i + UPSERT_SLICE)
        await trx.insertInto('enhanced_fingerprints').values(slice.map((f) => f.row))
          .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ last_seen: eb.ref('excluded.last_seen'), confidence: eb.ref('excluded.confidence'), correlation_factors: eb.ref('excluded.correlation_factors') })))
          .execute()
        await trx.insertInto('fingerprint_correlations').values(slice.map((f) => ({ ...f.correlation, edges: f.correlation.edges ?? null })))
          .onConflict((oc) => oc.column('fingerprint_id').doUpdateSet((eb) => ({
            browser_cluster_id: eb.ref('excluded.browser_cluster_id'), device_cluster_id: eb.ref('excluded.device_cluster_id'),
            correlation_type: eb.ref('excluded.correlation_type'), confidence_score: eb.ref('excluded.confidence_score'), updated_at: eb.ref('excluded.updated_at'),
            edges: eb.ref('excluded.edges'),
          })))
          .execute()
      }
      // Moves after every row of the chunk, in the order the engine made them: what the click writers do with a batch.
      for (const { effects, ts } of clicks) await applyMoves(trx, effects, ts)
      await trx.insertInto('settings').values(progress).onConflict((oc) => oc.column('key').doUpdateSet({ value: progress.value })).execute()
    })
  }

  /** One transaction: empties enhanced_fingerprints and fingerprint_correlations and stores the progress setting. */
  async resetIdentity(progress: { key: string; value: string }): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('fingerprint_correlations').execute()
      await trx.deleteFrom('enhanced_fingerprints').execute()
      await trx.insertInto('settings').values(progress).onConflict((oc) => oc.column('key').doUpdateSet({ value: progress.value })).execute()
    })
  }

  async overview(): Promise<IdentityOverview> {
    const db = this.#db
    const [sources, unique, clickVersions, fingerprintVersions, clusters] = await Promise.all([
      sql<{ source: string | null; clicks: number }>`SELECT identity_source AS source, COUNT(*) AS clicks FROM clicks WHERE is_bot = 0 GROUP BY identity_source ORDER BY COUNT(*) DESC`.execute(db),
      sql<{ humans: number; legacy: number; browsers: number; devices: number }>`
        SELECT COUNT(*) AS humans,
               COUNT(DISTINCT c.legacy_id) AS legacy,
               COUNT(DISTINCT COALESCE(fc.browser_cluster_id, c.browser_id)) AS browsers,
               COUNT(DISTINCT COALESCE(fc.device_cluster_id, c.device_id)) AS devices
        FROM clicks c LEFT JOIN fingerprint_correlations fc ON fc.fingerprint_id = c.fingerprint_id
        WHERE c.is_bot = 0`.execute(db),
      sql<{ version: number | null; clicks: number }>`SELECT fingerprint_version AS version, COUNT(*) AS clicks FROM clicks WHERE is_bot = 0 GROUP BY fingerprint_version ORDER BY fingerprint_version`.execute(db),
      sql<{ version: number; fingerprints: number }>`SELECT fingerprint_version AS version, COUNT(*) AS fingerprints FROM enhanced_fingerprints GROUP BY fingerprint_version ORDER BY fingerprint_version`.execute(db),
      sql<{ fingerprints: number; devices: number; browsers: number }>`
        SELECT COUNT(*) AS fingerprints, COUNT(DISTINCT device_cluster_id) AS devices, COUNT(DISTINCT browser_cluster_id) AS browsers FROM fingerprint_correlations`.execute(db),
    ])
    const u = unique.rows[0]
    const k = clusters.rows[0]
    return {
      humanClicks: Number(u?.humans ?? 0),
      sources: sources.rows.map((r) => ({ source: r.source, clicks: Number(r.clicks) })),
      unique: { legacy: Number(u?.legacy ?? 0), robustBrowsers: Number(u?.browsers ?? 0), robustDevices: Number(u?.devices ?? 0) },
      clickVersions: clickVersions.rows.map((r) => ({ version: r.version === null ? null : Number(r.version), clicks: Number(r.clicks) })),
      fingerprintVersions: fingerprintVersions.rows.map((r) => ({ version: Number(r.version), fingerprints: Number(r.fingerprints) })),
      fingerprints: Number(k?.fingerprints ?? 0),
      deviceClusters: Number(k?.devices ?? 0),
      browserClusters: Number(k?.browsers ?? 0),
    }
  }

  async recentFingerprints(limit: number): Promise<RecentFingerprint[]> {
    const rows = await this.#db
      .selectFrom('enhanced_fingerprints as ef')
      .leftJoin('fingerprint_correlations as fc', 'fc.fingerprint_id', 'ef.id')
      .select([
        'ef.id', 'ef.device_fingerprint', 'ef.browser_fingerprint', 'ef.primary_fingerprint', 'ef.sdk_device_hash', 'ef.sdk_browser_hash', 'ef.browser_name', 'ef.os_name',
        'ef.device_type', 'ef.confidence', 'ef.correlation_factors', 'ef.fingerprint_version', 'ef.created_at', 'ef.last_seen',
        'fc.browser_cluster_id', 'fc.device_cluster_id', 'fc.correlation_type',
      ])
      .orderBy('ef.last_seen', 'desc')
      .orderBy('ef.id')
      .limit(limit)
      .execute()
    return rows.map((r) => ({
      key: r.id,
      deviceHash: r.device_fingerprint,
      browserHash: r.browser_fingerprint,
      primaryHash: r.primary_fingerprint,
      sdkDevice: r.sdk_device_hash,
      sdkBrowser: r.sdk_browser_hash,
      browserName: r.browser_name,
      osName: r.os_name,
      deviceType: r.device_type,
      confidence: Number(r.confidence),
      factors: parseFactors(r.correlation_factors),
      version: Number(r.fingerprint_version),
      createdAt: Number(r.created_at),
      lastSeen: Number(r.last_seen),
      browserCluster: r.browser_cluster_id,
      deviceCluster: r.device_cluster_id,
      correlationType: r.correlation_type,
    }))
  }

  async recentClusters(limit: number, maxMembers: number): Promise<RecentCluster[]> {
    // Clusters of more than one context: a lone context is in `recent` already.
    const { rows: clusters } = await sql<{ device_cluster_id: string; updated_at: number; size: number }>`
      SELECT device_cluster_id, MAX(updated_at) AS updated_at, COUNT(*) AS size
      FROM fingerprint_correlations
      GROUP BY device_cluster_id
      HAVING COUNT(*) > 1
      ORDER BY MAX(updated_at) DESC, device_cluster_id
      LIMIT ${limit}
    `.execute(this.#db)
    if (clusters.length === 0) return []
    const members = await this.#db
      .selectFrom('fingerprint_correlations as fc')
      .leftJoin('enhanced_fingerprints as ef', 'ef.id', 'fc.fingerprint_id')
      .select(['fc.fingerprint_id', 'fc.browser_cluster_id', 'fc.device_cluster_id', 'fc.correlation_type', 'fc.confidence_score', 'ef.correlation_factors', 'ef.browser_name', 'ef.os_name', 'ef.device_type', 'ef.created_at'])
      .where('fc.device_cluster_id', 'in', clusters.map((c) => c.device_cluster_id))
      .orderBy('fc.device_cluster_id')
      .orderBy('ef.created_at')
      .execute()
    return clusters.map((c) => ({
      deviceCluster: c.device_cluster_id,
      updatedAt: Number(c.updated_at),
      size: Number(c.size),
      members: members
        .filter((m) => m.device_cluster_id === c.device_cluster_id)
        .slice(0, maxMembers)
        .map((m) => ({
          key: m.fingerprint_id,
          browserCluster: m.browser_cluster_id,
          correlationType: m.correlation_type,
          confidence: Number(m.confidence_score),
          factors: parseFactors(m.correlation_factors ?? '[]'),
          browserName: m.browser_name,
          osName: m.os_name,
          deviceType: m.device_type,
          createdAt: m.created_at === null ? null : Number(m.created_at),
        })),
    }))
  }

  /** The `signals` JSON of the latest human clicks (the debug API samples geo tiers from it). */
  async recentSignals(limit: number): Promise<string[]> {
    const rows = await this.#db.selectFrom('clicks').select('signals').where('is_bot', '=', 0).where('signals', 'is not', null).orderBy('id', 'desc').limit(limit).execute()
    return rows.map((r) => r.signals!)
  }
}

async function applyMoves(trx: Transaction<Database>, effects: RecomputedClick['effects'], updatedAt: number): Promise<void> {
  for (const m of effects.merges ?? []) {
    const update = trx.updateTable('fingerprint_correlations')
    await (m.level === 'browser'
      ? update.set({ browser_cluster_id: m.into, updated_at: updatedAt }).where('browser_cluster_id', '=', m.absorbed)
      : update.set({ device_cluster_id: m.into, updated_at: updatedAt }).where('device_cluster_id', '=', m.absorbed)
    ).execute()
  }
  for (const r of effects.reassignments ?? []) {
    await trx.updateTable('fingerprint_correlations')
      .set({ browser_cluster_id: r.browserClusterId, device_cluster_id: r.deviceClusterId, updated_at: updatedAt })
      .where('fingerprint_id', '=', r.fingerprintId)
      .execute()
  }
}

function toContext(r: ContextRow): StoredContext {
  return {
    clickId: Number(r.click_id),
    key: r.id,
    firstSeen: Number(r.created_at),
    lastSeen: Number(r.ts),
    deviceHash: r.device_fingerprint,
    browserHash: r.browser_fingerprint,
    primaryHash: r.primary_fingerprint,
    sessionHash: r.session_hash ?? r.session_fingerprint,
    sdkDevice: r.sdk_device_hash,
    sdkBrowser: r.sdk_browser_hash,
    browserName: r.browser_name,
    osName: r.os_name,
    deviceType: r.device_type,
    ipHash: r.ip_hash,
    prefixHash: r.ip_prefix_hash,
    confidence: Number(r.confidence),
    correlationType: r.correlation_type === 'exact' || r.correlation_type === 'partial' ? r.correlation_type : null,
    factors: parseFactors(r.correlation_factors),
    geo: geoOf(r.signals),
    ...kindOf(r.signals),
    userAgent: r.user_agent,
  }
}

/** The language and client hints a click's `signals` JSON recorded (click-record.ts). */
function kindOf(signals: string | null): { language: string | null; hints: Record<string, unknown> | null } {
  if (signals === null) return { language: null, hints: null }
  try {
    const s = JSON.parse(signals) as { language?: unknown; hints?: unknown }
    return {
      language: typeof s.language === 'string' ? s.language : null,
      hints: s.hints && typeof s.hints === 'object' ? (s.hints as Record<string, unknown>) : null,
    }
  } catch {
    return { language: null, hints: null }
  }
}

function geoOf(signals: string | null): GeoResult | null {
  if (signals === null) return null
  try {
    const geo = (JSON.parse(signals) as { geo?: GeoResult | null }).geo
    return geo && typeof geo === 'object' ? { country: geo.country ?? null, region: geo.region ?? null, city: geo.city ?? null, source: geo.source, confidence: geo.confidence } : null
  } catch {
    return null
  }
}

function parseEdges(json: string | null): Array<{ other: string; level: 'browser' | 'device'; provisionalOn: string | null }> {
  if (json === null) return []
  try {
    const value: unknown = JSON.parse(json)
    if (!Array.isArray(value)) return []
    return value.flatMap((e: unknown) =>
      Array.isArray(e) && typeof e[0] === 'string' && (e[1] === 'browser' || e[1] === 'device') && (e[2] === null || typeof e[2] === 'string')
        ? [{ other: e[0], level: e[1], provisionalOn: e[2] as string | null }]
        : [],
    )
  } catch {
    return []
  }
}

function parseFactors(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json)
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
  } catch {
    return []
  }
}
