import { afterEach, describe, expect, it } from 'vitest'
import { ClickWriter } from '../../src/storage/click-writer.js'
import { openRepositories } from '../../src/storage/open-repositories.js'
import type { Repositories } from '../../src/storage/repositories.js'
import type { ClickReclassification, ClickRecord, NewClick } from '../../src/storage/storage.js'
import { clickRecord } from '../helpers/click-records.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/test-databases.js'

function click(linkId: number, ts: number, over: Partial<NewClick> = {}): ClickRecord {
  return clickRecord(linkId, ts, { ip_hash: `ip${ts}`, user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', browser_id: 'b', device_id: 'd', confidence: 40, identity_source: 'server_generated', ...over })
}
const key = (r: ClickRecord): ClickReclassification => ({ link_id: r.click.link_id, ts: r.click.ts, ip_hash: r.click.ip_hash, method: r.click.method, user_agent: r.click.user_agent, bot_reason: 'scanner_burst' })

/** Clicks whose inserts wait at a gate, as behind a slow disk: a batch stays in flight. */
function gated(storage: Repositories) {
  let open: () => void = () => {}
  let gate = Promise.resolve()
  const calls: string[] = []
  const clicks = new Proxy(storage.clicks, {
    get(target, prop) {
      if (prop === 'insertClicks') {
        return async (records: readonly ClickRecord[]) => {
          await gate
          calls.push(`insert ${records.length}`)
          return target.insertClicks(records)
        }
      }
      if (prop === 'reclassifyClicks') {
        return async (clicks: readonly ClickReclassification[]) => {
          calls.push(`reclassify ${clicks.length}`)
          return target.reclassifyClicks(clicks)
        }
      }
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  const wrapped = { clicks }
  return { storage: wrapped, calls, hold: () => (gate = new Promise((r) => (open = r))), open: () => open() }
}

for (const dialect of DIALECTS) {
  describe(`click writer reclassification on ${dialect}`, () => {
    let db: TestDatabase
    let storage: Repositories
    afterEach(async () => {
      await storage.close()
      await db.drop()
    })

    async function setUp() {
      db = await createTestDatabase(dialect)
      storage = openRepositories(db.url)
      await storage.migrateUp()
      const user = await storage.users.createUser({ email: 'w@example.com', passwordHash: 'x', isAdmin: true, createdAt: 1 })
      const link = await storage.links.createLink({ slug: 'n', url: 'https://example.org/', userId: user.id, createdAt: 1, updatedAt: 1, expiresAt: null, maxClicks: null, redirectStatus: 302, tags: [] })
      const g = gated(storage)
      const writer = new ClickWriter(g.storage, { maxQueue: 100, maxBatch: 100, flushMs: 5 })
      return { link, g, writer }
    }

    it('changes a click still in the queue without a storage round trip', async () => {
      const { link, g, writer } = await setUp()
      const a = click(link.id, 1)
      writer.enqueue(a)
      writer.enqueue(click(link.id, 2))
      expect(writer.pendingHumanClicks(link.id)).toBe(2)
      writer.reclassify(key(a))
      expect(a.click).toMatchObject({ is_bot: 1, bot_reason: 'scanner_burst' })
      expect(writer.pendingHumanClicks(link.id)).toBe(1)
      await writer.close()
      expect(g.calls).toEqual(['insert 2'])
      expect((await storage.analytics.linkStats(link.id, {}))!).toMatchObject({ clicks: 1, botClicks: 1 })
      expect((await storage.links.findLinkBySlug('n'))!.clickCount).toBe(1)
    })

    it('stores the change after the batch that writes the click, never before it', async () => {
      const { link, g, writer } = await setUp()
      const a = click(link.id, 1)
      g.hold()
      writer.enqueue(a)
      await new Promise((r) => setTimeout(r, 20)) // the batch is now in flight, held at the gate
      expect(writer.pending).toBe(0)
      writer.reclassify(key(a))
      // Counted once in flight, taken back once pending: the link's count is right meanwhile.
      expect(writer.pendingHumanClicks(link.id)).toBe(0)
      g.open()
      await writer.flush()
      expect(g.calls).toEqual(['insert 1', 'reclassify 1'])
      expect((await storage.analytics.linkStats(link.id, {}))!).toMatchObject({ clicks: 0, botClicks: 1 })
      expect((await storage.links.findLinkBySlug('n'))!.clickCount).toBe(0)
      await writer.close()
    })

    it('updates a click written long ago', async () => {
      const { link, g, writer } = await setUp()
      const a = click(link.id, 1)
      writer.enqueue(a)
      await writer.flush()
      writer.reclassify(key(a))
      await writer.close()
      expect(g.calls).toEqual(['insert 1', 'reclassify 1'])
      expect((await storage.links.findLinkBySlug('n'))!.clickCount).toBe(0)
    })
  })
}
