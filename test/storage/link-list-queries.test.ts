import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Repositories } from '../../src/storage/repositories.js'
import type { Link } from '../../src/storage/storage.js'
import { clickRecord } from '../helpers/click-records.js'
import { DIALECTS, openTestStorage, type TestStorage } from '../helpers/test-databases.js'

/** What the link list asks of storage: search, a page's stats in one query, the owners of a page. */
for (const dialect of DIALECTS) {
  describe(`link list queries on ${dialect}`, () => {
    let fixture: TestStorage
    let storage: Repositories
    let userId: number
    const links: Record<string, Link> = {}

    beforeAll(async () => {
      fixture = await openTestStorage(dialect, 'owner@example.com')
      ;({ storage, userId } = fixture)
      const rows: Array<[string, string, string[]]> = [
        ['Spring_Sale', 'https://example.org/offers/spring', ['a_b']],
        ['spring-2', 'https://EXAMPLE.org/x', ['axb']],
        ['pct', 'https://example.org/100%25-off', []],
        ['under_score', 'https://example.org/u', []],
        ['plain', 'https://other.example/p?q=a%5Cb', []],
      ]
      for (const [slug, url, tags] of rows) {
        links[slug] = await storage.links.createLink({ slug, url, userId, createdAt: 1, updatedAt: 1, expiresAt: null, maxClicks: null, redirectStatus: 302, tags })
      }
    })
    afterAll(() => fixture.close())

    const slugs = async (search: string, extra: { tag?: string; beforeId?: number; limit?: number } = {}) =>
      (await storage.links.listLinks({ limit: extra.limit ?? 50, search, ...extra })).map((l) => l.slug)

    it('searches slugs and URLs case-insensitively, newest first', async () => {
      expect(await slugs('SPRING')).toEqual(['spring-2', 'Spring_Sale'])
      expect(await slugs('example.org')).toEqual(['under_score', 'pct', 'spring-2', 'Spring_Sale'])
      expect(await slugs('other.EXAMPLE')).toEqual(['plain'])
      expect(await slugs('nothing here')).toEqual([])
    })

    it('takes LIKE wildcards and the escape character literally', async () => {
      // `_` would match any one character, `%` anything: only the literal ones may match.
      expect(await slugs('_')).toEqual(['under_score', 'Spring_Sale'])
      expect(await slugs('g_s')).toEqual(['Spring_Sale'])
      expect(await slugs('%')).toEqual(['plain', 'pct'])
      expect(await slugs('%25')).toEqual(['pct'])
      expect(await slugs('100%')).toEqual(['pct'])
      expect(await slugs('%%')).toEqual([])
      expect(await slugs('\\')).toEqual([])
      expect(await slugs("' OR 1=1 --")).toEqual([])
    })

    it('combines search with the tag filter and the keyset position', async () => {
      expect(await slugs('spring', { tag: 'a_b' })).toEqual(['Spring_Sale'])
      // A tag with an underscore matches only itself (it once was a wildcard on SQLite).
      expect((await storage.links.listLinks({ limit: 50, tag: 'a_b' })).map((l) => l.slug)).toEqual(['Spring_Sale'])
      expect(await slugs('spring', { limit: 1 })).toEqual(['spring-2'])
      expect(await slugs('spring', { beforeId: links['spring-2']!.id })).toEqual(['Spring_Sale'])
    })

    it('computes the stats of a set of links in one call, as linkStats does one by one', async () => {
      const a = links['Spring_Sale']!
      const b = links['pct']!
      await storage.clicks.insertClicks([
        clickRecord(a.id, 10, { browser_id: 'b1', device_id: 'd1' }),
        clickRecord(a.id, 11, { browser_id: 'b2', device_id: 'd1' }),
        clickRecord(a.id, 12, { is_bot: 1, bot_reason: 'user_agent', browser_id: null, device_id: null, confidence: null }),
        clickRecord(b.id, 13, { browser_id: 'b3', device_id: 'd3' }),
      ])
      const many = await storage.analytics.linkStatsOf([a.id, b.id, links['plain']!.id, 999_999], {})
      expect(many.map((s) => s.slug)).toEqual(['Spring_Sale', 'pct', 'plain'])
      for (const stats of many) expect(stats).toEqual(await storage.analytics.linkStats(stats.linkId, {}))
      expect(many[0]).toMatchObject({ clicks: 2, browserUniqueClicks: 2, deviceUniqueClicks: 1, botClicks: 1 })
      expect(many[2]).toMatchObject({ clicks: 0, avgConfidence: null, botClicks: 0 })
      expect(await storage.analytics.linkStatsOf([], {})).toEqual([])
    })

    it('finds the users of a set of ids in one call', async () => {
      const other = await storage.users.createUser({ email: 'second@example.com', passwordHash: 'x', isAdmin: false, createdAt: 2 })
      const users = await storage.users.findUsersByIds([other.id, userId, userId, 424_242])
      expect(users.map((u) => u.email)).toEqual(['owner@example.com', 'second@example.com'])
      expect(await storage.users.findUsersByIds([])).toEqual([])
    })
  })
}
