import { Kysely, Migrator, sql, type MigrationProvider, type Selectable } from 'kysely'
import { AppError } from '../errors.js'
import type { Database, LinksTable, UsersTable } from './database.js'
import type { ClickBatchWriter, LinkprintDialect } from './linkprint-dialect.js'
import { KyselyIdentityStorage } from './kysely-identity-storage.js'
import { migrationContext } from './migrations/migration-context.js'
import { MIGRATIONS } from './migrations/index.js'
import { clickFacts, forgetLinkRollups, reclassifyWithRollups, withRollupsAdjusted } from './rollups/rollup-adjustments.js'
import { RollupAnalytics } from './rollups/rollup-analytics.js'
import { LinkOwners } from './rollups/rollup-maintenance.js'
import { rebuildRollups } from './rollups/rebuild-rollups.js'
import { HOUR_MS } from './rollups/rollup-dimensions.js'
import type {
  ApiKey, Breakdown, Bucket, ClickRow, ContextCursor, Link, LinkPatch, LinkQuery, LinkStats, MigrationState, ClickRecord,
  NewLink, RedirectStatus, RetentionCounts, Session, Storage, TimeRange, User, VisitorClickRow, VisitorContext,
} from './storage.js'
import type { ClickReclassification } from './storage.js'

const LEGACY = sql`(SELECT value FROM settings WHERE key = 'fingerprinting_algorithm') = 'legacy'`
/**
 * A click's browser and device as clusters stand now (merges rewrite
 * fingerprint_correlations), or its legacy id after a rollback; the same expressions as
 * the view unified_click_analytics, so the two always agree.
 */
const BROWSER_OF_CLICK = sql`CASE WHEN ${LEGACY} THEN c.legacy_id ELSE COALESCE(fc.browser_cluster_id, c.browser_id) END`
const DEVICE_OF_CLICK = sql`CASE WHEN ${LEGACY} THEN c.legacy_id ELSE COALESCE(fc.device_cluster_id, c.device_id) END`

export class KyselyStorage implements Storage {
  readonly dialect
  readonly identity: KyselyIdentityStorage
  readonly analytics: RollupAnalytics
  readonly #owners = new LinkOwners()
  readonly #db: Kysely<Database>
  readonly #migrator: Migrator
  readonly #clickBatchWriter: ClickBatchWriter
  readonly #isUniqueViolation: (error: unknown) => boolean

  constructor(dialect: LinkprintDialect) {
    this.dialect = dialect.name
    this.#db = new Kysely<Database>({ dialect: dialect.createKyselyDialect() })
    this.#isUniqueViolation = dialect.isUniqueViolation
    this.#clickBatchWriter = dialect.createClickBatchWriter()
    this.identity = new KyselyIdentityStorage(this.#db)
    this.analytics = new RollupAnalytics(this.#db)
    const ctx = migrationContext(dialect.name)
    const provider: MigrationProvider = {
      getMigrations: async () =>
        Object.fromEntries(
          Object.entries(MIGRATIONS).map(([name, m]) => [
            name,
            { up: (db: Kysely<unknown>) => m.up(db, ctx), down: (db: Kysely<unknown>) => m.down(db, ctx) },
          ]),
        ),
    }
    this.#migrator = new Migrator({ db: this.#db, provider, migrationTableName: 'linkprint_migrations', migrationLockTableName: 'linkprint_migrations_lock' })
  }

  async migrateUp(): Promise<string[]> {
    const { error, results } = await this.#migrator.migrateToLatest()
    if (error) throw error
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
  }

  async migrateDown(): Promise<string | null> {
    const { error, results } = await this.#migrator.migrateDown()
    if (error) throw error
    return results?.find((r) => r.status === 'Success')?.migrationName ?? null
  }

  async migrations(): Promise<MigrationState[]> {
    const infos = await this.#migrator.getMigrations()
    return infos.map((m) => ({ name: m.name, executedAt: m.executedAt ? m.executedAt.getTime() : null }))
  }

  async ensureSetting(key: string, value: string): Promise<string> {
    await this.#db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute()
    const row = await this.#db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow()
    return row.value
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.#db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute()
  }

  async getSetting(key: string): Promise<string | undefined> {
    return (await this.#db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value
  }

  async countUsers(): Promise<number> {
    const row = await this.#db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    return Number(row.n)
  }

  async createUser(user: Omit<User, 'id'>): Promise<User> {
    const row = await this.#db
      .insertInto('users')
      .values({ email: user.email, password_hash: user.passwordHash, is_admin: user.isAdmin ? 1 : 0, created_at: user.createdAt })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((error: unknown) => {
        if (this.#isUniqueViolation(error)) throw new AppError('VALIDATION_FAILED', 'A user with this email exists')
        throw error
      })
    return toUser(row)
  }

  async findUserByEmail(email: string): Promise<User | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst()
    return row && toUser(row)
  }

  async findUsersByIds(ids: readonly number[]): Promise<User[]> {
    if (ids.length === 0) return []
    const rows = await this.#db.selectFrom('users').selectAll().where('id', 'in', [...new Set(ids)]).orderBy('id').execute()
    return rows.map(toUser)
  }

  async findUserById(id: number): Promise<User | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toUser(row)
  }

  async createApiKey(key: Omit<ApiKey, 'id' | 'revokedAt'> & { keyHash: string }): Promise<ApiKey> {
    const row = await this.#db
      .insertInto('api_keys')
      .values({ user_id: key.userId, name: key.name, prefix: key.prefix, key_hash: key.keyHash, created_at: key.createdAt })
      .returningAll()
      .executeTakeFirstOrThrow()
    return toApiKey(row)
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKey | undefined> {
    const row = await this.#db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst()
    return row && toApiKey(row)
  }

  async revokeApiKey(id: number, at: number): Promise<boolean> {
    const result = await this.#db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async createSession(session: Omit<Session, 'revokedAt' | 'rotatedTo'>): Promise<void> {
    await this.#db.insertInto('sessions').values(sessionRow(session)).execute()
  }

  async findSession(idHash: string): Promise<Session | undefined> {
    const row = await this.#db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst()
    return row && {
      idHash: row.id_hash,
      userId: row.user_id === null ? null : Number(row.user_id),
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
      revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
      deviceHash: row.device_hash,
      deviceCluster: row.device_cluster,
      rotatedTo: row.rotated_to,
    }
  }

  async rotateSession(oldIdHash: string, next: Omit<Session, 'revokedAt' | 'rotatedTo'>, at: number): Promise<boolean> {
    // The conditional UPDATE is the lock: of two concurrent rotations of one id, the
    // second finds revoked_at set (PostgreSQL re-checks the row after the first commits;
    // SQLite runs one writer at a time) and writes nothing.
    return this.#db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('sessions')
        .set({ revoked_at: at, rotated_to: next.idHash })
        .where('id_hash', '=', oldIdHash)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', at)
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) !== 1) return false
      await trx.insertInto('sessions').values(sessionRow(next)).execute()
      return true
    })
  }

  async deleteExpiredSessions(before: number): Promise<number> {
    const result = await this.#db.deleteFrom('sessions').where('expires_at', '<', before).executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  async listApiKeys(userId: number): Promise<ApiKey[]> {
    const rows = await this.#db.selectFrom('api_keys').selectAll().where('user_id', '=', userId).orderBy('id').execute()
    return rows.map(toApiKey)
  }

  async revokeSession(idHash: string, at: number): Promise<boolean> {
    const result = await this.#db.updateTable('sessions').set({ revoked_at: at }).where('id_hash', '=', idHash).where('revoked_at', 'is', null).executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async createLink(link: NewLink): Promise<Link> {
    try {
      const row = await this.#db
        .insertInto('links')
        .values({
          slug: link.slug,
          url: link.url,
          user_id: link.userId,
          created_at: link.createdAt,
          updated_at: link.updatedAt,
          expires_at: link.expiresAt,
          max_clicks: link.maxClicks,
          redirect_status: link.redirectStatus,
          tags: JSON.stringify(link.tags),
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      return toLink(row)
    } catch (error) {
      if (this.#isUniqueViolation(error)) throw new AppError('SLUG_TAKEN')
      throw error
    }
  }

  async findLinkBySlug(slug: string): Promise<Link | undefined> {
    const row = await this.#db.selectFrom('links').selectAll().where('slug', '=', slug).executeTakeFirst()
    return row && toLink(row)
  }

  async listLinks(query: LinkQuery): Promise<Link[]> {
    let q = this.#db.selectFrom('links').selectAll().orderBy('id', 'desc').limit(query.limit)
    if (query.userId !== undefined) q = q.where('user_id', '=', query.userId)
    if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId)
    // Tags are a JSON array of validated strings (no quotes inside), so the quoted tag is an exact element match.
    if (query.tag !== undefined) q = q.where(sql<boolean>`tags LIKE ${containsPattern(JSON.stringify(query.tag))} ESCAPE '\\'`)
    if (query.search !== undefined) {
      // lower() on both sides: PostgreSQL's LIKE is case-sensitive and SQLite's is not, so
      // neither dialect's default decides. Slugs and stored URLs are ASCII (URLs are stored
      // percent-encoded), where both lower() agree.
      const pattern = containsPattern(query.search.toLowerCase())
      q = q.where(sql<boolean>`(lower(slug) LIKE ${pattern} ESCAPE '\\' OR lower(url) LIKE ${pattern} ESCAPE '\\')`)
    }
    const rows = await q.execute()
    return rows.map(toLink)
  }

  async updateLink(id: number, patch: LinkPatch): Promise<Link | undefined> {
    const row = await this.#db
      .updateTable('links')
      .set({
        ...(patch.url !== undefined && { url: patch.url }),
        ...(patch.expiresAt !== undefined && { expires_at: patch.expiresAt }),
        ...(patch.maxClicks !== undefined && { max_clicks: patch.maxClicks }),
        ...(patch.redirectStatus !== undefined && { redirect_status: patch.redirectStatus }),
        ...(patch.tags !== undefined && { tags: JSON.stringify(patch.tags) }),
        updated_at: patch.updatedAt,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
    return row && toLink(row)
  }

  async deleteLink(id: number): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      await forgetLinkRollups(trx, id)
      await trx.deleteFrom('clicks').where('link_id', '=', id).execute()
      const result = await trx.deleteFrom('links').where('id', '=', id).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    })
  }

  async insertClicks(records: readonly ClickRecord[]): Promise<void> {
    if (records.length > 0) await this.#clickBatchWriter.write(this.#db, records)
  }

  async reclassifyClicks(clicks: readonly ClickReclassification[]): Promise<number> {
    if (clicks.length === 0) return 0
    return this.#db.transaction().execute(async (trx) => {
      const changed: Array<{ id: number; botReason: string }> = []
      for (const c of clicks) {
        // clicks_link_ts_idx finds the row; the other columns pick it among the link's clicks of that millisecond.
        const row = await trx
          .selectFrom('clicks')
          .select('id')
          .where('link_id', '=', c.link_id)
          .where('ts', '=', c.ts)
          .where('ip_hash', '=', c.ip_hash)
          .where('method', '=', c.method)
          .where('user_agent', c.user_agent === null ? 'is' : '=', c.user_agent)
          .where('is_bot', '=', 0)
          // Rows are changed together at the end: two reclassifications of identical rows pick two rows.
          .$if(changed.length > 0, (q) => q.where('id', 'not in', changed.map((x) => x.id)))
          .orderBy('id')
          .limit(1)
          .executeTakeFirst()
        if (!row) continue
        changed.push({ id: Number(row.id), botReason: c.bot_reason })
        await trx.updateTable('links').set((eb) => ({ click_count: eb('click_count', '-', 1) })).where('id', '=', c.link_id).execute()
      }
      await reclassifyWithRollups(trx, this.#owners, changed)
      return changed.length
    })
  }

  async countClicks(linkId?: number): Promise<number> {
    let q = this.#db.selectFrom('clicks').select((eb) => eb.fn.countAll<number>().as('n'))
    if (linkId !== undefined) q = q.where('link_id', '=', linkId)
    return Number((await q.executeTakeFirstOrThrow()).n)
  }

  async linkStats(linkId: number, range: TimeRange): Promise<LinkStats | undefined> {
    const [stats] = await this.#stats(range, linkId)
    return stats
  }

  allLinkStats(range: TimeRange): Promise<LinkStats[]> {
    return this.#stats(range)
  }

  async linkStatsOf(linkIds: readonly number[], range: TimeRange): Promise<LinkStats[]> {
    if (linkIds.length === 0) return []
    return this.#stats(range, linkIds)
  }

  /**
   * Under the legacy algorithm (after a rollback) a visitor is the legacy id, which the
   * rollups' unique flags do not follow: stats and series then count the raw clicks.
   */
  async #legacy(): Promise<boolean> {
    return (await this.getSetting('fingerprinting_algorithm')) === 'legacy'
  }

  async #stats(range: TimeRange, linkIds?: number | readonly number[]): Promise<LinkStats[]> {
    if (!(await this.#legacy())) return this.analytics.linkStats(typeof linkIds === 'number' ? [linkIds] : linkIds, range)
    return this.#rawStats(range, linkIds)
  }

  async #rawStats(range: TimeRange, linkIds?: number | readonly number[]): Promise<LinkStats[]> {
    let q = this.#db
      .selectFrom('links as l')
      .leftJoin('clicks as c', (join) => {
        let on = join.onRef('c.link_id', '=', 'l.id')
        if (range.from !== undefined) on = on.on('c.ts', '>=', range.from)
        if (range.to !== undefined) on = on.on('c.ts', '<', range.to)
        return on
      })
      .leftJoin('fingerprint_correlations as fc', 'fc.fingerprint_id', 'c.fingerprint_id')
      .select([
        'l.id as linkId',
        'l.slug as slug',
        sql<number>`COUNT(CASE WHEN c.is_bot = 0 THEN 1 END)`.as('clicks'),
        sql<number>`COUNT(DISTINCT CASE WHEN c.is_bot = 0 THEN ${BROWSER_OF_CLICK} END)`.as('browserUniqueClicks'),
        sql<number>`COUNT(DISTINCT CASE WHEN c.is_bot = 0 THEN ${DEVICE_OF_CLICK} END)`.as('deviceUniqueClicks'),
        sql<number | null>`AVG(CASE WHEN c.is_bot = 0 THEN c.confidence END)`.as('avgConfidence'),
        sql<number>`COUNT(CASE WHEN c.is_bot = 1 THEN 1 END)`.as('botClicks'),
      ])
      .groupBy(['l.id', 'l.slug'])
      .orderBy('l.id')
    if (typeof linkIds === 'number') q = q.where('l.id', '=', linkIds)
    else if (linkIds !== undefined) q = q.where('l.id', 'in', [...linkIds])
    const rows = await q.execute()
    return rows.map((r) => ({
      linkId: Number(r.linkId),
      slug: r.slug,
      clicks: Number(r.clicks),
      browserUniqueClicks: Number(r.browserUniqueClicks),
      deviceUniqueClicks: Number(r.deviceUniqueClicks),
      avgConfidence: r.avgConfidence === null ? null : round2(Number(r.avgConfidence)),
      botClicks: Number(r.botClicks),
    }))
  }

  async unifiedClickAnalytics() {
    const { rows } = await sql<{ link_id: number; total_clicks: number; browser_unique_clicks: number; device_unique_clicks: number; avg_confidence: number | null }>`
      SELECT link_id, total_clicks, browser_unique_clicks, device_unique_clicks, avg_confidence FROM unified_click_analytics ORDER BY link_id
    `.execute(this.#db)
    return rows.map((r) => ({
      linkId: Number(r.link_id),
      totalClicks: Number(r.total_clicks),
      browserUniqueClicks: Number(r.browser_unique_clicks),
      deviceUniqueClicks: Number(r.device_unique_clicks),
      avgConfidence: r.avg_confidence === null ? null : round2(Number(r.avg_confidence)),
    }))
  }

  async timeSeries(linkId: number, range: TimeRange, bucketMs: number): Promise<Bucket[]> {
    if (!(await this.#legacy()) && bucketMs % HOUR_MS === 0) return this.analytics.series({ links: [linkId] }, range, bucketMs)
    // Integer division floors the same way in both dialects (times are never negative).
    const bucket = sql.lit(Math.trunc(bucketMs))
    const start = sql<number>`(c.ts / ${bucket}) * ${bucket}`
    let q = this.#db
      .selectFrom('clicks as c')
      .leftJoin('fingerprint_correlations as fc', 'fc.fingerprint_id', 'c.fingerprint_id')
      .select([
        start.as('start'),
        sql<number>`COUNT(CASE WHEN c.is_bot = 0 THEN 1 END)`.as('clicks'),
        sql<number>`COUNT(DISTINCT CASE WHEN c.is_bot = 0 THEN ${BROWSER_OF_CLICK} END)`.as('browserUniqueClicks'),
        sql<number>`COUNT(DISTINCT CASE WHEN c.is_bot = 0 THEN ${DEVICE_OF_CLICK} END)`.as('deviceUniqueClicks'),
        sql<number>`COUNT(CASE WHEN c.is_bot = 1 THEN 1 END)`.as('botClicks'),
      ])
      .where('c.link_id', '=', linkId)
      .groupBy(start)
      .orderBy(start)
    q = withRange(q, range)
    const rows = await q.execute()
    return rows.map((r) => ({
      start: Number(r.start),
      clicks: Number(r.clicks),
      browserUniqueClicks: Number(r.browserUniqueClicks),
      deviceUniqueClicks: Number(r.deviceUniqueClicks),
      botClicks: Number(r.botClicks),
    }))
  }

  async breakdown(linkId: number, range: TimeRange, column: 'referrer_host' | 'identity_source' | 'bot_reason' | 'country'): Promise<Breakdown[]> {
    const humansOnly = column !== 'bot_reason'
    let q = this.#db
      .selectFrom('clicks as c')
      .select([`c.${column} as value`, (eb) => eb.fn.countAll<number>().as('clicks')])
      .where('c.link_id', '=', linkId)
      .where('c.is_bot', '=', humansOnly ? 0 : 1)
      .groupBy(`c.${column}`)
      .orderBy('clicks', 'desc')
      .limit(50)
    q = withRange(q, range)
    const rows = await q.execute()
    return rows.map((r) => ({ value: r.value, clicks: Number(r.clicks) }))
  }

  async rebuildRollups(): Promise<void> {
    await this.#db.transaction().execute((trx) => rebuildRollups(trx))
  }

  async clicksPage(linkId: number, range: TimeRange, afterId: number, limit: number): Promise<ClickRow[]> {
    let q = this.#db.selectFrom('clicks as c').selectAll().where('c.link_id', '=', linkId).where('c.id', '>', afterId).orderBy('c.id').limit(limit)
    q = withRange(q, range)
    return (await q.execute()) as ClickRow[]
  }

  async deleteExpiredClicks(before: number, afterId: number, upToId: number): Promise<{ deleted: number; keptMinTs: number | null; nextId?: number | null }> {
    // A range of the primary key, whatever the clicks' times: exact even where ids and
    // times disagree (replayed history, two instances' clocks), and no statement reads more
    // rows than the range has ids. No index on ts: one more index on the hottest table
    // would cost every click written to spare an hourly job what the ranges' minimum ts
    // already spares it (retention-job.ts).
    const result = await this.#db.transaction().execute(async (trx) => {
      const doomed = await trx.selectFrom('clicks').select('id').where('id', '>', afterId).where('id', '<=', upToId).where('ts', '<', before).execute()
      let out = { numDeletedRows: 0n }
      await withRollupsAdjusted(trx, this.#owners, await clickFacts(trx, doomed.map((r) => Number(r.id))), async () => {
        out = await trx.deleteFrom('clicks').where('id', '>', afterId).where('id', '<=', upToId).where('ts', '<', before).executeTakeFirst()
      })
      return out
    })
    const left = await this.#db.selectFrom('clicks').select((eb) => [eb.fn.min('ts').as('ts'), eb.fn.countAll().as('n')])
      .where('id', '>', afterId).where('id', '<=', upToId).executeTakeFirst()
    const deleted = Number(result.numDeletedRows)
    const keptMinTs = left?.ts === null || left?.ts === undefined ? null : Number(left.ts)
    if (deleted > 0 || Number(left?.n ?? 0) > 0) return { deleted, keptMinTs }
    const next = await this.#db.selectFrom('clicks').select((eb) => eb.fn.min('id').as('id')).where('id', '>', upToId).executeTakeFirst()
    return { deleted, keptMinTs, nextId: next?.id === null || next?.id === undefined ? null : Number(next.id) }
  }

  async deleteExpiredIdentities(before: number, after: ContextCursor | null, limit: number): Promise<Omit<RetentionCounts, 'clicks'> & { scannedTo: ContextCursor | null }> {
    return this.#db.transaction().execute(async (trx) => {
      // A window of candidates in last_seen order, deleted or not: last_seen changes only
      // when a context's rows are rewritten, so many contexts that still click look old, and
      // a query for "the next deletable ones" would walk past all of them every batch.
      let window = trx.selectFrom('enhanced_fingerprints').select(['id', 'last_seen']).where('last_seen', '<', before)
      if (after) window = window.where('last_seen', '>=', after.lastSeen).where((eb) => eb.or([eb('last_seen', '>', after.lastSeen), eb('id', '>', after.id)]))
      const candidates = await window.orderBy('last_seen').orderBy('id').limit(limit).execute()
      const last = candidates.at(-1)
      if (!last) return { fingerprints: 0, correlations: 0, scannedTo: null }
      const scannedTo = { lastSeen: Number(last.last_seen), id: last.id }
      // A root still naming another context's cluster stays (the restart reload reads its
      // first-seen time to settle later unions); a later pass takes it once its members are gone.
      // Rows of the two tables are written together (click writers, migration job), so the
      // candidates come from enhanced_fingerprints alone.
      const { rows } = await sql<{ id: string }>`
        DELETE FROM enhanced_fingerprints
        WHERE id IN (${sql.join(candidates.map((c) => c.id))})
          AND NOT EXISTS (SELECT 1 FROM clicks c WHERE c.fingerprint_id = enhanced_fingerprints.id)
          AND NOT EXISTS (SELECT 1 FROM fingerprint_correlations f WHERE f.device_cluster_id = enhanced_fingerprints.id AND f.fingerprint_id <> enhanced_fingerprints.id)
          AND NOT EXISTS (SELECT 1 FROM fingerprint_correlations f WHERE f.browser_cluster_id = enhanced_fingerprints.id AND f.fingerprint_id <> enhanced_fingerprints.id)
        RETURNING id
      `.execute(trx)
      if (rows.length === 0) return { fingerprints: 0, correlations: 0, scannedTo }
      const result = await trx.deleteFrom('fingerprint_correlations').where('fingerprint_id', 'in', rows.map((r) => r.id)).executeTakeFirst()
      return { fingerprints: rows.length, correlations: Number(result.numDeletedRows), scannedTo }
    })
  }

  async countExpired(before: number): Promise<RetentionCounts> {
    // A context stays when it was seen since `before` or keeps a click from then on, and so
    // does the root of such a context's clusters (and of a context with no row, which
    // retention never deletes).
    const { rows } = await sql<{ clicks: number; fingerprints: number; correlations: number }>`
      WITH live AS (
        SELECT ef.id FROM enhanced_fingerprints ef
        WHERE ef.last_seen >= ${before} OR EXISTS (SELECT 1 FROM clicks c WHERE c.fingerprint_id = ef.id AND c.ts >= ${before})
      ),
      doomed AS (
        SELECT ef.id FROM enhanced_fingerprints ef
        WHERE ef.id NOT IN (SELECT id FROM live)
          AND NOT EXISTS (
            SELECT 1 FROM fingerprint_correlations f
            WHERE (f.browser_cluster_id = ef.id OR f.device_cluster_id = ef.id) AND f.fingerprint_id <> ef.id
              AND (f.fingerprint_id IN (SELECT id FROM live) OR NOT EXISTS (SELECT 1 FROM enhanced_fingerprints m WHERE m.id = f.fingerprint_id))
          )
      )
      SELECT (SELECT COUNT(*) FROM clicks WHERE ts < ${before}) AS clicks,
             (SELECT COUNT(*) FROM doomed) AS fingerprints,
             (SELECT COUNT(*) FROM fingerprint_correlations WHERE fingerprint_id IN (SELECT id FROM doomed)) AS correlations
    `.execute(this.#db)
    const r = rows[0]
    return { clicks: Number(r?.clicks ?? 0), fingerprints: Number(r?.fingerprints ?? 0), correlations: Number(r?.correlations ?? 0) }
  }

  async deviceClusterOf(key: string): Promise<string | undefined> {
    const row = await this.#db.selectFrom('fingerprint_correlations').select('device_cluster_id').where('fingerprint_id', '=', key).executeTakeFirst()
    return row?.device_cluster_id
  }

  async clusterContexts(deviceCluster: string): Promise<string[]> {
    const rows = await this.#db.selectFrom('fingerprint_correlations').select('fingerprint_id').where('device_cluster_id', '=', deviceCluster).orderBy('fingerprint_id').execute()
    return rows.map((r) => r.fingerprint_id)
  }

  async visitorContexts(keys: readonly string[]): Promise<VisitorContext[]> {
    const out = new Map<string, VisitorContext>()
    for (const slice of slices(keys)) {
      const [fingerprints, correlations] = await Promise.all([
        this.#db.selectFrom('enhanced_fingerprints').select(['id', 'browser_name', 'os_name', 'device_type', 'created_at', 'last_seen']).where('id', 'in', slice).execute(),
        this.#db.selectFrom('fingerprint_correlations').select(['fingerprint_id', 'browser_cluster_id', 'device_cluster_id', 'correlation_type']).where('fingerprint_id', 'in', slice).execute(),
      ])
      const empty = (key: string): VisitorContext => ({ key, browserName: null, osName: null, deviceType: null, createdAt: null, lastSeen: null, browserCluster: null, deviceCluster: null, correlationType: null })
      for (const f of fingerprints) {
        out.set(f.id, { ...empty(f.id), browserName: f.browser_name, osName: f.os_name, deviceType: f.device_type, createdAt: Number(f.created_at), lastSeen: Number(f.last_seen) })
      }
      for (const c of correlations) {
        out.set(c.fingerprint_id, { ...(out.get(c.fingerprint_id) ?? empty(c.fingerprint_id)), browserCluster: c.browser_cluster_id, deviceCluster: c.device_cluster_id, correlationType: c.correlation_type })
      }
    }
    return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  }

  async visitorClicksPage(keys: readonly string[], afterId: number, limit: number): Promise<VisitorClickRow[]> {
    if (keys.length === 0) return []
    // clicks_fingerprint_idx finds them: a visitor is a handful of contexts, never a scan.
    const rows = await this.#db
      .selectFrom('clicks as c')
      .leftJoin('links as l', 'l.id', 'c.link_id')
      .selectAll('c')
      .select('l.slug')
      .where('c.fingerprint_id', 'in', keys)
      .where('c.id', '>', afterId)
      .orderBy('c.id')
      .limit(limit)
      .execute()
    return rows as VisitorClickRow[]
  }

  async deleteVisitorData(keys: readonly string[], limit: number): Promise<RetentionCounts> {
    const counts: RetentionCounts = { clicks: 0, fingerprints: 0, correlations: 0 }
    for (const slice of slices(keys)) {
      // Bounded statements, as retention's: a wrongly merged giant cluster must not hold the database.
      for (;;) {
        const n = await this.#db.transaction().execute(async (trx) => {
          const ids = (await trx.selectFrom('clicks').select('id').where('fingerprint_id', 'in', slice).orderBy('id').limit(limit).execute()).map((r) => Number(r.id))
          await withRollupsAdjusted(trx, this.#owners, await clickFacts(trx, ids), async () => {
            for (let i = 0; i < ids.length; i += KEY_SLICE) await trx.deleteFrom('clicks').where('id', 'in', ids.slice(i, i + KEY_SLICE)).execute()
          })
          return ids.length
        })
        counts.clicks += n
        if (n < limit) break
      }
      await this.#db.transaction().execute(async (trx) => {
        counts.correlations += Number((await trx.deleteFrom('fingerprint_correlations').where('fingerprint_id', 'in', slice).executeTakeFirst()).numDeletedRows)
        counts.fingerprints += Number((await trx.deleteFrom('enhanced_fingerprints').where('id', 'in', slice).executeTakeFirst()).numDeletedRows)
      })
    }
    return counts
  }

  async close(): Promise<void> {
    await this.#clickBatchWriter.close()
    await this.#db.destroy()
  }
}

// Typed loosely on purpose: the three callers differ only in their select list.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function withRange<Q extends { where: (...args: any[]) => any }>(q: Q, range: TimeRange): Q {
  let out = q
  if (range.from !== undefined) out = out.where('c.ts', '>=', range.from)
  if (range.to !== undefined) out = out.where('c.ts', '<', range.to)
  return out
}

/** Keys per IN list: far below either database's parameter limit. */
const KEY_SLICE = 500

function slices(keys: readonly string[]): string[][] {
  const out: string[][] = []
  for (let i = 0; i < keys.length; i += KEY_SLICE) out.push(keys.slice(i, i + KEY_SLICE))
  return out
}

function round2(n: number): number {
  return Math.round(n * 100) / 100
}

function toUser(row: Selectable<UsersTable>): User {
  return { id: Number(row.id), email: row.email, passwordHash: row.password_hash, isAdmin: row.is_admin === 1, createdAt: Number(row.created_at) }
}

function sessionRow(session: Omit<Session, 'revokedAt' | 'rotatedTo'>) {
  return {
    id_hash: session.idHash,
    user_id: session.userId,
    created_at: session.createdAt,
    expires_at: session.expiresAt,
    device_hash: session.deviceHash ?? null,
    device_cluster: session.deviceCluster ?? null,
  }
}

function toApiKey(row: Selectable<Database['api_keys']>): ApiKey {
  return { id: Number(row.id), userId: Number(row.user_id), name: row.name, prefix: row.prefix, createdAt: Number(row.created_at), revokedAt: row.revoked_at }
}

function toLink(row: Selectable<LinksTable>): Link {
  return {
    id: Number(row.id),
    slug: row.slug,
    url: row.url,
    userId: Number(row.user_id),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    maxClicks: row.max_clicks === null ? null : Number(row.max_clicks),
    redirectStatus: row.redirect_status as RedirectStatus,
    tags: JSON.parse(row.tags) as string[],
    clickCount: Number(row.click_count),
  }
}

/**
 * A LIKE pattern matching `text` anywhere, its own `%`, `_` and backslash taken
 * literally. Used with an explicit `ESCAPE`: SQLite has no default escape character, so
 * without one a searched `_` would still match any character there.
 */
function containsPattern(text: string): string {
  return `%${text.replace(/[%_\\]/g, '\\$&')}%`
}
