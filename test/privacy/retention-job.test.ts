import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RetentionJob } from '../../src/privacy/retention-job.js'
import type { Repositories } from '../../src/storage/repositories.js'
import type { ClickRecord } from '../../src/storage/storage.js'
import { clickRecord } from '../helpers/click-records.js'
import { DIALECTS, openTestStorage, type TestStorage } from '../helpers/test-databases.js'

const DAY = 86_400_000
const NOW = 100 * DAY

/** A click of storage context `key`, placed in browser cluster `key` and device cluster `device`; `placed` also writes the context's rows. */
function contextClick(linkId: number, day: number, key: string, device: string, placed: boolean, over: Partial<ClickRecord['click']> = {}): ClickRecord {
  const ts = day * DAY
  const record = clickRecord(linkId, ts, { fingerprint_id: key, browser_id: key, device_id: device, ...over })
  if (placed) {
    record.fingerprint = {
      row: {
        id: key, device_fingerprint: `d-${key}`, browser_fingerprint: `b-${key}`, session_fingerprint: 's', primary_fingerprint: `p-${key}`, sdk_device_hash: null, sdk_browser_hash: null,
        browser_name: 'Chrome', os_name: 'Windows', device_type: 'desktop', confidence: 80, correlation_factors: '[]', fingerprint_version: 1, created_at: ts, last_seen: ts,
      },
      correlation: { fingerprint_id: key, browser_cluster_id: key, device_cluster_id: device, correlation_type: device === key ? null : 'exact', confidence_score: 80, updated_at: ts },
    }
  }
  return record
}

for (const dialect of DIALECTS) {
  describe(`retention on ${dialect}`, () => {
    let fixture: TestStorage
    let storage: Repositories
    let linkId: number
    let otherLinkId: number
    const clock = { now: () => NOW }

    beforeEach(async () => {
      fixture = await openTestStorage(dialect)
      storage = fixture.storage
      const userId = fixture.userId
      const link = (slug: string) => storage.links.createLink({ slug, url: 'https://example.org/', userId, createdAt: 1, updatedAt: 1, expiresAt: null, maxClicks: 100, redirectStatus: 302, tags: [] })
      linkId = (await link('old')).id
      otherLinkId = (await link('mixed')).id
      // In time order, as the click writer stores them (ids grow with time).
      await storage.clicks.insertClicks([
        clickRecord(linkId, 1 * DAY, { is_bot: 1, bot_reason: 'ua', browser_id: null, device_id: null }), // an old bot
        contextClick(linkId, 5, 'R', 'R', true), // root of B's device: its clicks go, it stays while B lives
        contextClick(linkId, 10, 'A', 'A', true), // all old: goes
        contextClick(linkId, 10, 'B', 'R', true), // member of R, clicks again on day 90
        contextClick(otherLinkId, 15, 'D', 'D', true), // root of C: goes once C has
        contextClick(otherLinkId, 15, 'C', 'D', true),
        contextClick(linkId, 20, 'A', 'A', false),
        contextClick(otherLinkId, 30, 'F', 'F', true), // its row says day 30, its last click is recent: stays
        contextClick(otherLinkId, 80, 'E', 'E', true), // recent: stays
        contextClick(otherLinkId, 90, 'B', 'R', false),
        contextClick(otherLinkId, 95, 'F', 'F', false),
      ])
    })
    afterEach(() => fixture.close())

    async function contexts() {
      return (await storage.visitors.visitorContexts(['A', 'B', 'C', 'D', 'E', 'F', 'R'])).map((c) => `${c.key}:${c.deviceCluster}`)
    }

    it('deletes the old clicks and the identity rows nobody needs, in batches, keeping click_count and the stats in step', async () => {
      const countsBefore = [(await storage.links.findLinkBySlug('old'))!.clickCount, (await storage.links.findLinkBySlug('mixed'))!.clickCount]
      expect(countsBefore).toEqual([4, 6])
      const deletions: Array<[string, number]> = []
      const job = new RetentionJob({ storage, clock, days: 30, batchSize: 2, onDeleted: (table, n) => deletions.push([table, n]) })
      const report = await job.run()
      expect(report).toMatchObject({ dryRun: false, complete: true, cutoff: 70 * DAY, clicks: 8, fingerprints: 3, correlations: 3 })
      // 8 clicks two at a time (a fifth statement finds none), then contexts until a batch finds none.
      expect(report.batches).toBeGreaterThanOrEqual(7)
      expect(deletions.every(([, n]) => n <= 2)).toBe(true)
      expect(deletions.filter(([t]) => t === 'clicks').reduce((s, [, n]) => s + n, 0)).toBe(8)

      expect(await storage.clicks.countClicks()).toBe(3)
      expect((await storage.clicks.clicksPage(otherLinkId, {}, 0, 10)).map((c) => c.ts / DAY)).toEqual([80, 90, 95])
      expect(await contexts()).toEqual(['B:R', 'E:E', 'F:F', 'R:R'])
      expect([(await storage.links.findLinkBySlug('old'))!.clickCount, (await storage.links.findLinkBySlug('mixed'))!.clickCount]).toEqual(countsBefore)

      const stats = await storage.analytics.allLinkStats({})
      expect(stats.map((s) => [s.slug, s.clicks, s.deviceUniqueClicks, s.botClicks])).toEqual([['old', 0, 0, 0], ['mixed', 3, 3, 0]])
      const view = await storage.analytics.unifiedClickAnalytics()
      expect(view.map((v) => [v.totalClicks, v.browserUniqueClicks, v.deviceUniqueClicks, v.avgConfidence])).toEqual(stats.map((s) => [s.clicks, s.browserUniqueClicks, s.deviceUniqueClicks, s.avgConfidence]))

      // A second run finds nothing more; later, once B has been quiet too, R goes after it.
      expect(await job.run()).toMatchObject({ clicks: 0, fingerprints: 0, correlations: 0 })
      const later = new RetentionJob({ storage, clock: { now: () => 200 * DAY }, days: 30, batchSize: 2 })
      expect(await later.run()).toMatchObject({ clicks: 3, fingerprints: 4, correlations: 4 })
      expect(await contexts()).toEqual([])
    })

    it('counts without deleting on a dry run, and the count is what a run then deletes', async () => {
      const job = new RetentionJob({ storage, clock, days: 30, batchSize: 2 })
      const dry = await job.run({ dryRun: true })
      expect(dry).toMatchObject({ dryRun: true, batches: 0, clicks: 8, fingerprints: 3, correlations: 3 })
      expect(await storage.clicks.countClicks()).toBe(11)
      expect(await contexts()).toHaveLength(7)
      expect(job.lastReport).toBeNull()
      const real = await job.run()
      expect({ clicks: real.clicks, fingerprints: real.fingerprints, correlations: real.correlations }).toEqual({ clicks: dry.clicks, fingerprints: dry.fingerprints, correlations: dry.correlations })
    })

    it('finds old clicks whatever their ids (replayed history, two instances\' clocks)', async () => {
      await storage.clicks.insertClicks([contextClick(linkId, 75, 'G', 'G', true), contextClick(linkId, 40, 'H', 'H', true), contextClick(linkId, 99, 'E', 'E', false)])
      const report = await new RetentionJob({ storage, clock, days: 30, batchSize: 3 }).run()
      expect(report).toMatchObject({ clicks: 9, fingerprints: 4, correlations: 4 })
      expect(await contexts()).toEqual(['B:R', 'E:E', 'F:F', 'R:R'])
      expect((await storage.visitors.visitorContexts(['G', 'H'])).map((c) => c.key)).toEqual(['G'])
    })

    it('reads again only the ranges of ids with something to delete, and still finds what comes due in them', async () => {
      let now = NOW
      let reads = 0
      const retention = new Proxy(storage.retention, {
        get(target, prop) {
          const value = Reflect.get(target, prop) as unknown
          if (typeof value !== 'function') return value
          return (...args: unknown[]) => {
            if (prop === 'deleteExpiredClicks') reads++
            return (value as (...a: unknown[]) => unknown).apply(target, args)
          }
        },
      })
      const job = new RetentionJob({ storage: { retention, identity: storage.identity }, clock: { now: () => now }, days: 30, batchSize: 2 })
      expect((await job.run()).clicks).toBe(8)
      expect(reads).toBe(6) // ids 1–11 two at a time
      // Ids 1–8 are gone, 9–11 (days 80, 90, 95) kept. An hour later, ranges emptied or not due
      // are not read again; a click replayed into history takes a new id and is read.
      await storage.clicks.insertClicks([contextClick(linkId, 12, 'H', 'H', false)])
      now += 3_600_000
      reads = 0
      expect((await job.run()).clicks).toBe(1)
      expect(reads).toBe(1)
      // Fifteen days on, day 80's click is due: its range is read again, and so is the newest
      // range (it reaches past the highest id now, where a new click may still land).
      now = NOW + 15 * DAY
      reads = 0
      expect((await job.run()).clicks).toBe(1)
      expect(reads).toBe(2)
      expect((await storage.clicks.clicksPage(otherLinkId, {}, 0, 10)).map((c) => c.ts / DAY)).toEqual([90, 95])
    })

    it('does nothing when RETENTION_DAYS is unset', async () => {
      const job = new RetentionJob({ storage, clock, days: undefined })
      expect(job.enabled).toBe(false)
      job.start()
      await job.stop()
      await expect(job.run()).rejects.toThrow('RETENTION_DAYS')
      expect(await storage.clicks.countClicks()).toBe(11)
    })

    it('runs at start, then on its interval, and stops cleanly between batches', async () => {
      const job = new RetentionJob({ storage, clock, days: 30, batchSize: 1, intervalMs: 20 })
      job.start()
      await job.stop()
      // Stopped before its first batch: the next run goes on from there.
      expect(job.lastReport).toMatchObject({ complete: false, clicks: 0 })
      expect(await storage.clicks.countClicks()).toBe(11)

      const runs: number[] = []
      const scheduled = new RetentionJob({ storage, clock, days: 30, batchSize: 1, intervalMs: 20, onDeleted: (table, n) => table === 'clicks' && runs.push(n) })
      scheduled.start()
      await expect.poll(() => scheduled.lastReport?.complete, { timeout: 5_000 }).toBe(true)
      expect(await storage.clicks.countClicks()).toBe(3)
      await storage.clicks.insertClicks([clickRecord(linkId, 50 * DAY)])
      await expect.poll(() => storage.clicks.countClicks(), { timeout: 5_000 }).toBe(3)
      await scheduled.stop()
      expect(runs.reduce((s, n) => s + n, 0)).toBe(9)
    })
  })
}
