import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Repositories } from '../../src/storage/repositories.js'
import type { ClickRecord, NewClick } from '../../src/storage/storage.js'
import { clickRecord } from '../helpers/click-records.js'
import { DIALECTS, openTestStorage, type TestStorage } from '../helpers/test-databases.js'

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'

/** Every click its own visitor, from its own address. */
function click(linkId: number, ts: number, over: Partial<NewClick> = {}): ClickRecord {
  return clickRecord(linkId, ts, { ip_hash: `ip${ts}`, user_agent: UA, browser_id: `b${ts}`, device_id: `d${ts}`, confidence: 40, identity_source: 'server_generated', ...over })
}

const key = (r: ClickRecord, bot_reason = 'scanner_burst') => ({ link_id: r.click.link_id, ts: r.click.ts, ip_hash: r.click.ip_hash, method: r.click.method, user_agent: r.click.user_agent, bot_reason })

for (const dialect of DIALECTS) {
  describe(`reclassifyClicks on ${dialect}`, () => {
    let fixture: TestStorage
    let storage: Repositories
    let userId: number

    beforeAll(async () => {
      fixture = await openTestStorage(dialect, 'r@example.com')
      ;({ storage, userId } = fixture)
    })
    afterAll(() => fixture.close())

    const newLink = (slug: string) => storage.links.createLink({ slug, url: 'https://example.org/', userId, createdAt: 1, updatedAt: 1, expiresAt: null, maxClicks: 10, redirectStatus: 302, tags: [] })

    it('turns stored human clicks into bots and gives their place in the click limit back', async () => {
      const link = await newLink('newsletter')
      const scans = [1000, 2000, 3000].map((ts) => click(link.id, ts))
      const person = click(link.id, 9000)
      await storage.clicks.insertClicks([...scans, person])
      expect((await storage.links.findLinkBySlug('newsletter'))!.clickCount).toBe(4)

      expect(await storage.clicks.reclassifyClicks(scans.map((s) => key(s)))).toBe(3)
      expect((await storage.links.findLinkBySlug('newsletter'))!.clickCount).toBe(1)
      const stats = (await storage.analytics.linkStats(link.id, {}))!
      expect(stats).toMatchObject({ clicks: 1, botClicks: 3, deviceUniqueClicks: 1, browserUniqueClicks: 1 })
      // The SQL view agrees.
      expect((await storage.analytics.unifiedClickAnalytics()).find((r) => r.linkId === link.id)).toMatchObject({ totalClicks: 1, deviceUniqueClicks: 1 })
      const reasons = await storage.analytics.breakdown(link.id, {}, 'bot_reason')
      expect(reasons).toEqual([{ value: 'scanner_burst', clicks: 3 }])
    })

    it('changes nothing twice, nor a click that is not there', async () => {
      const link = await newLink('twice')
      const scan = click(link.id, 5000)
      await storage.clicks.insertClicks([scan, click(link.id, 6000, { is_bot: 1, bot_reason: 'head_request', method: 'HEAD' })])
      expect(await storage.clicks.reclassifyClicks([key(scan)])).toBe(1)
      expect(await storage.clicks.reclassifyClicks([key(scan), key(click(link.id, 6000, { method: 'HEAD' })), key(click(link.id, 7777))])).toBe(0)
      expect((await storage.links.findLinkBySlug('twice'))!.clickCount).toBe(0)
      expect(await storage.clicks.reclassifyClicks([])).toBe(0)
    })

    it('changes one of two identical rows, and finds rows without a user agent', async () => {
      const link = await newLink('same-ms')
      const twin = click(link.id, 8000)
      const bare = click(link.id, 8001, { user_agent: null })
      await storage.clicks.insertClicks([twin, click(link.id, 8000), bare])
      expect(await storage.clicks.reclassifyClicks([key(twin, 'time_of_click'), key(bare, 'scanner_network')])).toBe(2)
      expect((await storage.analytics.linkStats(link.id, {}))!).toMatchObject({ clicks: 1, botClicks: 2 })
      expect((await storage.links.findLinkBySlug('same-ms'))!.clickCount).toBe(1)
    })
  })
}
