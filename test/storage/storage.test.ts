import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../src/errors.js'
import { openRepositories } from '../../src/storage/open-repositories.js'
import type { Repositories } from '../../src/storage/repositories.js'
import type { ClickRecord } from '../../src/storage/storage.js'
import { clickRecord } from '../helpers/click-records.js'
import { createTestDatabase, DIALECTS, openTestStorage, type TestStorage } from '../helpers/test-databases.js'

const click = clickRecord

for (const dialect of DIALECTS) {
  describe(`storage on ${dialect}`, () => {
    let fixture: TestStorage
    let storage: Repositories
    let userId: number

    beforeAll(async () => {
      fixture = await openTestStorage(dialect, 'a@example.com')
      ;({ storage, userId } = fixture)
    })
    afterAll(() => fixture.close())

    const newLink = (slug: string) => ({ slug, url: 'https://example.org/', userId, createdAt: 1000, updatedAt: 1000, expiresAt: null, maxClicks: null, redirectStatus: 302 as const, tags: ['a b', 'x'] })

    it('migrates down one step and up again', async () => {
      const other = await createTestDatabase(dialect)
      const s = openRepositories(other.url)
      try {
        expect(await s.migrateUp()).toEqual(['001-initial', '002-identity-engine', '003-sessions', '004-correlation-edges', '005-click-country', '006-link-redirect-mode', '007-domains', '008-click-batches', '009-analytics-rollups', '010-identity-snapshot', '011-clicks-ts-index'])
        expect(await s.migrateUp()).toEqual([])
        expect(await s.migrateDown()).toBe('011-clicks-ts-index')
        expect(await s.migrateDown()).toBe('010-identity-snapshot')
        expect(await s.migrateDown()).toBe('009-analytics-rollups')
        expect(await s.migrateDown()).toBe('008-click-batches')
        expect(await s.migrateDown()).toBe('007-domains')
        expect(await s.migrateDown()).toBe('006-link-redirect-mode')
        expect(await s.migrateDown()).toBe('005-click-country')
        expect(await s.migrateDown()).toBe('004-correlation-edges')
        expect(await s.migrateDown()).toBe('003-sessions')
        expect(await s.migrateDown()).toBe('002-identity-engine')
        expect(await s.migrateDown()).toBe('001-initial')
        expect((await s.migrations()).every((m) => m.executedAt === null)).toBe(true)
        expect(await s.migrateUp()).toEqual(['001-initial', '002-identity-engine', '003-sessions', '004-correlation-edges', '005-click-country', '006-link-redirect-mode', '007-domains', '008-click-batches', '009-analytics-rollups', '010-identity-snapshot', '011-clicks-ts-index'])
      } finally {
        await s.close()
        await other.drop()
      }
    })

    // A PostgreSQL commit's answer can be lost with its connection after the commit: the writer's retry must not write the batch twice.
    // (SQLite commits in process: a failed batch rolled back, so its retry writes it once anyway.) A new batch of equal rows is another batch.
    if (dialect === 'postgres') it('writes a batch handed over again (a retry) once', async () => {
      const own = await openTestStorage(dialect, 'retry@example.com')
      try {
        const link = await own.storage.links.createLink({ ...newLink('retried'), userId: own.userId })
        const batch = [click(link.id, 1), click(link.id, 2)]
        await own.storage.clicks.insertClicks(batch)
        await own.storage.clicks.insertClicks(batch)
        expect(await own.storage.clicks.countClicks(link.id)).toBe(2)
        await own.storage.clicks.insertClicks([...batch])
        expect(await own.storage.clicks.countClicks(link.id)).toBe(4)
      } finally {
        await own.close()
      }
    })

    it('keeps the first value of a setting', async () => {
      expect(await storage.settings.ensureSetting('k', 'one')).toBe('one')
      expect(await storage.settings.ensureSetting('k', 'two')).toBe('one')
    })

    it('creates, reads, updates and deletes links; slugs are unique', async () => {
      const link = await storage.links.createLink(newLink('abc'))
      expect(link).toMatchObject({ slug: 'abc', tags: ['a b', 'x'], clickCount: 0, redirectStatus: 302, redirectMode: null, expiresAt: null })
      await expect(storage.links.createLink(newLink('abc'))).rejects.toSatisfy((e: unknown) => e instanceof AppError && e.code === 'SLUG_TAKEN')
      const updated = await storage.links.updateLink(link.id, { url: 'https://example.com/x', maxClicks: 5, updatedAt: 2000 })
      expect(updated).toMatchObject({ url: 'https://example.com/x', maxClicks: 5, updatedAt: 2000, tags: ['a b', 'x'] })
      expect(await storage.links.updateLink(link.id, { redirectMode: 'bridge', updatedAt: 2001 })).toMatchObject({ redirectMode: 'bridge', maxClicks: 5 })
      expect(await storage.links.findLinkBySlug('abc')).toMatchObject({ redirectMode: 'bridge' })
      expect(await storage.links.deleteLink(link.id)).toBe(true)
      expect(await storage.links.findLinkBySlug('abc')).toBeUndefined()
      expect(await storage.links.deleteLink(link.id)).toBe(false)
    })

    it('pages through links newest first and filters by tag', async () => {
      for (const s of ['p1', 'p2', 'p3']) await storage.links.createLink({ ...newLink(s), tags: s === 'p2' ? ['two'] : [] })
      const first = await storage.links.listLinks({ userId, limit: 2 })
      expect(first.map((l) => l.slug)).toEqual(['p3', 'p2'])
      const next = await storage.links.listLinks({ userId, limit: 2, beforeId: first[1]!.id })
      expect(next.map((l) => l.slug)).toEqual(['p1'])
      expect((await storage.links.listLinks({ limit: 10, tag: 'two' })).map((l) => l.slug)).toEqual(['p2'])
      expect(await storage.links.listLinks({ limit: 10, tag: 'tw%' })).toEqual([])
    })

    it('writes a batch of clicks in one transaction and counts only humans against the link', async () => {
      const link = await storage.links.createLink(newLink('clicked'))
      const clicks = Array.from({ length: 5000 }, (_, i) =>
        click(link.id, 10_000 + i, i % 10 === 0 ? { is_bot: 1, bot_reason: 'user_agent', browser_id: null, device_id: null, confidence: null } : { browser_id: `b${i % 7}`, device_id: `d${i % 3}` }),
      )
      await storage.clicks.insertClicks(clicks)
      expect(await storage.clicks.countClicks(link.id)).toBe(5000)
      expect((await storage.links.findLinkBySlug('clicked'))!.clickCount).toBe(4500)
      const stats = await storage.analytics.linkStats(link.id, {})
      expect(stats).toEqual({ linkId: link.id, slug: 'clicked', clicks: 4500, browserUniqueClicks: 7, deviceUniqueClicks: 3, avgConfidence: 80, botClicks: 500 })
      const view = (await storage.analytics.unifiedClickAnalytics()).find((r) => r.linkId === link.id)
      expect(view).toEqual({ linkId: link.id, totalClicks: 4500, browserUniqueClicks: 7, deviceUniqueClicks: 3, avgConfidence: 80 })
      const ranged = await storage.analytics.linkStats(link.id, { from: 10_000, to: 10_010 })
      expect(ranged).toMatchObject({ clicks: 9, botClicks: 1 })
    })

    it('writes a flood of new visitors with their fingerprints, past the protocol\'s parameter limit, text intact', async () => {
      const link = await storage.links.createLink(newLink('flood'))
      // Quotes, backslashes, commas, braces, line separators, astral characters: whatever array or JSON encoding is used must round-trip.
      const awkward = 'Mozilla/5.0 "quoted" \\ back\\slash, {brace} [x] \u2028 line ü 😀 NULL null \'single\''
      const records: ClickRecord[] = Array.from({ length: 6_000 }, (_, i) => {
        const key = `ctx-${String(i).padStart(5, '0')}`
        const record = click(link.id, 20_000 + i, { user_agent: awkward, fingerprint_id: key, browser_id: key, device_id: key, signals: JSON.stringify({ accept: '"*/*"', i }) })
        record.fingerprint = {
          row: {
            id: key, device_fingerprint: 'd', browser_fingerprint: 'b', session_fingerprint: 's', primary_fingerprint: 'p', sdk_device_hash: null, sdk_browser_hash: null,
            browser_name: 'Chrome', os_name: awkward, device_type: 'desktop', confidence: 60, correlation_factors: '["level:device"]', fingerprint_version: 1, created_at: 20_000 + i, last_seen: 20_000 + i,
          },
          correlation: { fingerprint_id: key, browser_cluster_id: key, device_cluster_id: i % 2 === 0 ? key : `ctx-${String(i - 1).padStart(5, '0')}`, correlation_type: i % 2 === 0 ? null : 'partial', confidence_score: 60, updated_at: 20_000 + i, edges: null },
        }
        return record
      })
      await storage.clicks.insertClicks(records)
      expect(await storage.clicks.countClicks(link.id)).toBe(6_000)
      expect(await storage.analytics.linkStats(link.id, {})).toMatchObject({ clicks: 6_000, browserUniqueClicks: 6_000, deviceUniqueClicks: 3_000 })
      const [first] = await storage.clicks.clicksPage(link.id, {}, 0, 1)
      expect(first).toMatchObject({ user_agent: awkward, fingerprint_id: 'ctx-00000', ts: 20_000 })
      expect(JSON.parse(first!.signals!)).toEqual({ accept: '"*/*"', i: 0 })
      // Written again (a context placed anew): the rows are updated, not duplicated.
      await storage.clicks.insertClicks(records.slice(0, 10).map((r) => ({ ...r, click: { ...r.click, ts: r.click.ts + 1 } })))
      expect(await storage.clicks.countClicks(link.id)).toBe(6_010)
      expect(await storage.analytics.linkStats(link.id, {})).toMatchObject({ browserUniqueClicks: 6_000, deviceUniqueClicks: 3_000 })
    })

    it('gives clicks stored before migration 005 their country from the geo they were stored with', async () => {
      const other = await createTestDatabase(dialect)
      const s = openRepositories(other.url)
      try {
        await s.migrateUp()
        const user = await s.users.createUser({ email: 'b@example.com', passwordHash: 'x', isAdmin: false, createdAt: 1 })
        const link = await s.links.createLink({ ...newLink('older'), userId: user.id })
        const geo = (country: string) => JSON.stringify({ mode: 'balanced', geo: { country, region: null, city: null, source: 'inferred', confidence: 60 } })
        await s.clicks.insertClicks([click(link.id, 1, { signals: geo('IT') }), click(link.id, 2, { signals: geo('IT') }), click(link.id, 3, { signals: geo('FR') }), click(link.id, 4)])
        expect(await s.migrateDown()).toBe('011-clicks-ts-index')
        expect(await s.migrateDown()).toBe('010-identity-snapshot')
        expect(await s.migrateDown()).toBe('009-analytics-rollups')
        expect(await s.migrateDown()).toBe('008-click-batches')
        expect(await s.migrateDown()).toBe('007-domains')
        expect(await s.migrateDown()).toBe('006-link-redirect-mode')
        expect(await s.migrateDown()).toBe('005-click-country')
        expect(await s.migrateUp()).toEqual(['005-click-country', '006-link-redirect-mode', '007-domains', '008-click-batches', '009-analytics-rollups', '010-identity-snapshot', '011-clicks-ts-index'])
        expect(await s.analytics.breakdown(link.id, {}, 'country')).toEqual([{ value: 'IT', clicks: 2 }, { value: 'FR', clicks: 1 }, { value: null, clicks: 1 }])
      } finally {
        await s.close()
        await other.drop()
      }
    })

    it('buckets a time series and breaks clicks down', async () => {
      const link = await storage.links.createLink(newLink('series'))
      const hour = 3_600_000
      await storage.clicks.insertClicks([
        click(link.id, 5 * hour + 1, { referrer_host: 'news.example', country: 'IT' }),
        click(link.id, 5 * hour + 2, { browser_id: 'b2', referrer_host: 'news.example', country: 'IT' }),
        click(link.id, 7 * hour, { is_bot: 1, bot_reason: 'head_request' }),
      ])
      const series = await storage.analytics.timeSeries(link.id, {}, hour)
      expect(series).toEqual([
        { start: 5 * hour, clicks: 2, browserUniqueClicks: 2, deviceUniqueClicks: 1, botClicks: 0 },
        { start: 7 * hour, clicks: 0, browserUniqueClicks: 0, deviceUniqueClicks: 0, botClicks: 1 },
      ])
      expect(await storage.analytics.breakdown(link.id, {}, 'referrer_host')).toEqual([{ value: 'news.example', clicks: 2 }])
      expect(await storage.analytics.breakdown(link.id, {}, 'bot_reason')).toEqual([{ value: 'head_request', clicks: 1 }])
      expect(await storage.analytics.breakdown(link.id, {}, 'country')).toEqual([{ value: 'IT', clicks: 2 }])
      const page = await storage.clicks.clicksPage(link.id, {}, 0, 2)
      expect(page).toHaveLength(2)
      expect((await storage.clicks.clicksPage(link.id, {}, page[1]!.id, 2))).toHaveLength(1)
    })

    it('stores users, API keys and sessions', async () => {
      await expect(storage.users.createUser({ email: 'a@example.com', passwordHash: 'y', isAdmin: false, createdAt: 2 })).rejects.toBeInstanceOf(AppError)
      const key = await storage.keys.createApiKey({ userId, name: 'k', prefix: 'lp_abc', keyHash: 'hash1', createdAt: 5 })
      expect(await storage.keys.findApiKeyByHash('hash1')).toMatchObject({ id: key.id, revokedAt: null })
      expect(await storage.keys.revokeApiKey(key.id, 9)).toBe(true)
      expect(await storage.keys.revokeApiKey(key.id, 10)).toBe(false)
      await storage.sessions.createSession({ idHash: 's1', userId, createdAt: 1, expiresAt: 100 })
      expect(await storage.sessions.revokeSession('s1', 50)).toBe(true)
      expect(await storage.sessions.findSession('s1')).toMatchObject({ revokedAt: 50 })
    })
  })
}
