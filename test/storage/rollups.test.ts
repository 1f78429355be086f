import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Repositories } from '../../src/storage/repositories.js'
import type { ClickRecord } from '../../src/storage/storage.js'
import { clickRecord } from '../helpers/click-records.js'
import { openRepositories } from '../../src/storage/open-repositories.js'
import { createTestDatabase, DIALECTS, openTestStorage, type TestStorage } from '../helpers/test-databases.js'

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 10, 2, 8, 0, 0)

/** A small deterministic generator, so a failure replays. */
function random(seed: number) {
  let s = seed
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648
    return s / 2_147_483_648
  }
}

/**
 * Clicks of 40 storage contexts on three links over ten hours, with the merges and
 * reassignments an identity engine would send: clusters kept as the engine keeps them,
 * merged and split while clicks arrive.
 */
function history(linkIds: readonly number[], seed: number): ClickRecord[][] {
  const rnd = random(seed)
  const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)]!
  const roots = { browser: new Map<string, string>(), device: new Map<string, string>() }
  const seen = new Set<string>()
  const batches: ClickRecord[][] = []
  let ts = T0 + 17_000
  for (let b = 0; b < 10; b++) {
    const batch: ClickRecord[] = []
    for (let i = 0; i < 45; i++) {
      ts += Math.floor(rnd() * 160_000)
      const ctx = `ctx${Math.floor(rnd() * 40)}`
      const linkId = pick(linkIds)
      const bot = rnd() < 0.1
      const record = clickRecord(linkId, ts, {
        ip_hash: `ip${ts}`, user_agent: `UA ${ctx}`, is_bot: bot ? 1 : 0, bot_reason: bot ? 'head_request' : null, method: bot ? 'HEAD' : 'GET',
        fingerprint_id: bot ? null : ctx, confidence: bot ? null : pick([40, 60, 85, 95]),
        browser_name: bot ? null : pick(['Chrome', 'Firefox', 'Safari']), os_name: bot ? null : pick(['Windows', 'macOS', 'iOS']),
        device_type: bot ? null : pick(['desktop', 'mobile']), country: bot ? null : pick(['IT', 'DE', null]), city: bot ? null : pick(['Rome', 'Berlin', null]),
        geo_source: bot ? null : pick(['database', 'inference']), geo_confidence: bot ? null : pick([60, 80]), language: bot ? null : pick(['it', 'de', 'en']),
        referrer_host: pick(['news.example', null]),
      })
      if (!bot) {
        if (!seen.has(ctx)) {
          seen.add(ctx)
          roots.browser.set(ctx, ctx)
          roots.device.set(ctx, ctx)
          record.fingerprint = {
            row: {
              id: ctx, device_fingerprint: 'd', browser_fingerprint: 'b', session_fingerprint: 's', primary_fingerprint: 'p', sdk_device_hash: null, sdk_browser_hash: null,
              browser_name: 'Chrome', os_name: 'Windows', device_type: 'desktop', confidence: 60, correlation_factors: '[]', fingerprint_version: 2, created_at: ts, last_seen: ts,
            },
            correlation: { fingerprint_id: ctx, browser_cluster_id: ctx, device_cluster_id: ctx, correlation_type: null, confidence_score: 60, updated_at: ts, edges: null },
          }
        }
        // Now and then the click joins two clusters, or withdraws a context from its clusters.
        const level = pick(['browser', 'device'] as const)
        const clusters = [...new Set(roots[level].values())]
        if (rnd() < 0.15 && clusters.length > 1) {
          const absorbed = roots[level].get(ctx)!
          const into = pick(clusters.filter((c) => c !== absorbed))
          for (const [k, r] of roots[level]) if (r === absorbed) roots[level].set(k, into)
          record.merges = [{ level, absorbed, into }]
        } else if (rnd() < 0.05) {
          const loner = pick([...roots.device.keys()].filter((k) => roots.device.get(k) !== k && ![...roots.device.values(), ...roots.browser.values()].includes(k)).concat([]) as string[]) as string | undefined
          if (loner) {
            roots.browser.set(loner, loner)
            roots.device.set(loner, loner)
            record.reassignments = [{ fingerprintId: loner, browserClusterId: loner, deviceClusterId: loner }]
          }
        }
        record.click.browser_id = roots.browser.get(ctx)!
        record.click.device_id = roots.device.get(ctx)!
      }
      batch.push(record)
    }
    batches.push(batch)
  }
  return batches
}

for (const dialect of DIALECTS) {
  describe(`rollups on ${dialect}`, () => {
    let fixture: TestStorage
    let storage: Repositories
    let userId: number
    let linkIds: number[]
    let all: ClickRecord[]

    beforeAll(async () => {
      fixture = await openTestStorage(dialect, 'rollups@example.com')
      ;({ storage, userId } = fixture)
      linkIds = []
      for (const slug of ['r-one', 'r-two', 'r-three']) {
        linkIds.push((await storage.links.createLink({ slug, url: 'https://example.org/', userId, createdAt: T0, updatedAt: T0, expiresAt: null, maxClicks: null, redirectStatus: 302, tags: [] })).id)
      }
      const batches = history(linkIds, 7)
      all = batches.flat()
      for (const batch of batches) await storage.clicks.insertClicks(batch)
    }, 120_000)
    afterAll(() => fixture.close())

    /** Unique browsers and devices per link, counted from the raw clicks and the clusters as stored now. */
    async function recount(): Promise<Map<number, { clicks: number; browsers: number; devices: number; bots: number }>> {
      const out = new Map<number, { clicks: number; browsers: number; devices: number; bots: number }>()
      for (const linkId of linkIds) {
        const clicks = await storage.clicks.clicksPage(linkId, {}, 0, 100_000)
        const contexts = new Map((await storage.visitors.visitorContexts([...new Set(clicks.flatMap((c) => (c.fingerprint_id ? [c.fingerprint_id] : [])))])).map((c) => [c.key, c]))
        const humans = clicks.filter((c) => c.is_bot === 0)
        out.set(linkId, {
          clicks: humans.length,
          browsers: new Set(humans.map((c) => contexts.get(c.fingerprint_id!)?.browserCluster ?? c.browser_id)).size,
          devices: new Set(humans.map((c) => contexts.get(c.fingerprint_id!)?.deviceCluster ?? c.device_id)).size,
          bots: clicks.length - humans.length,
        })
      }
      return out
    }

    /**
     * A range's counts from the raw clicks: its clicks and bots, and the clusters whose first
     * human click on the link (by time, then id) falls in it.
     */
    async function recountRange(range: { from: number; to: number }) {
      const out = new Map<number, { clicks: number; browsers: number; devices: number; bots: number }>()
      for (const linkId of linkIds) {
        const clicks = (await storage.clicks.clicksPage(linkId, {}, 0, 100_000)).sort((a, b) => a.ts - b.ts || a.id - b.id)
        const contexts = new Map((await storage.visitors.visitorContexts([...new Set(clicks.flatMap((c) => (c.fingerprint_id ? [c.fingerprint_id] : [])))])).map((c) => [c.key, c]))
        const inRange = (ts: number) => ts >= range.from && ts < range.to
        const firsts = (clusterOf: (c: (typeof clicks)[number]) => string | null) => {
          const first = new Map<string, number>()
          for (const c of clicks) if (c.is_bot === 0 && clusterOf(c) !== null && !first.has(clusterOf(c)!)) first.set(clusterOf(c)!, c.ts)
          return [...first.values()].filter(inRange).length
        }
        out.set(linkId, {
          clicks: clicks.filter((c) => c.is_bot === 0 && inRange(c.ts)).length,
          browsers: firsts((c) => contexts.get(c.fingerprint_id!)?.browserCluster ?? c.browser_id),
          devices: firsts((c) => contexts.get(c.fingerprint_id!)?.deviceCluster ?? c.device_id),
          bots: clicks.filter((c) => c.is_bot === 1 && inRange(c.ts)).length,
        })
      }
      return out
    }

    /** What the queries answer over a range cut mid-hour, per link and for the account. */
    async function answers() {
      const range = { from: T0 + HOUR + 1_234_567, to: T0 + 7 * HOUR + 777_777 }
      const out: unknown[] = []
      for (const scope of [...linkIds.map((id) => ({ links: [id] })), { user: userId }, { all: true as const }]) {
        out.push(await storage.analytics.totals(scope, range), await storage.analytics.totals(scope, {}))
        out.push(await storage.analytics.series(scope, range, HOUR), await storage.analytics.series(scope, range, 24 * HOUR))
        out.push(await storage.analytics.breakdowns(scope, range))
      }
      return out
    }

    /** The stats API (rollups), the view and the recount agree; the rollups kept click by click equal the ones rebuilt from the clicks. */
    async function expectConsistent() {
      const stats = await storage.analytics.allLinkStats({})
      const view = await storage.analytics.unifiedClickAnalytics()
      const counted = await recount()
      for (const s of stats) {
        const v = view.find((r) => r.linkId === s.linkId)!
        const c = counted.get(s.linkId)!
        expect([s.clicks, s.browserUniqueClicks, s.deviceUniqueClicks, s.avgConfidence]).toEqual([v.totalClicks, v.browserUniqueClicks, v.deviceUniqueClicks, v.avgConfidence])
        expect([s.clicks, s.browserUniqueClicks, s.deviceUniqueClicks, s.botClicks]).toEqual([c.clicks, c.browsers, c.devices, c.bots])
      }
      const account = await storage.analytics.totals({ user: userId }, {})
      expect(account.clicks).toBe(stats.reduce((n, s) => n + s.clicks, 0))
      expect(account.deviceUniqueClicks).toBe(stats.reduce((n, s) => n + s.deviceUniqueClicks, 0))
      // A range cut mid-hour (rollups inside, raw clicks at its edges) counts what the raw clicks count, per link, for the account and for all links.
      const cut = { from: T0 + HOUR + 1_234_567, to: T0 + 7 * HOUR + 777_777 }
      const inRange = await recountRange(cut)
      const sum = { clicks: 0, browsers: 0, devices: 0, bots: 0 }
      for (const linkId of linkIds) {
        const t = await storage.analytics.totals({ links: [linkId] }, cut)
        const c = inRange.get(linkId)!
        expect([t.clicks, t.browserUniqueClicks, t.deviceUniqueClicks, t.botClicks]).toEqual([c.clicks, c.browsers, c.devices, c.bots])
        for (const k of ['clicks', 'browsers', 'devices', 'bots'] as const) sum[k] += c[k]
      }
      for (const scope of [{ user: userId }, { all: true as const }]) {
        const t = await storage.analytics.totals(scope, cut)
        expect([t.clicks, t.browserUniqueClicks, t.deviceUniqueClicks, t.botClicks]).toEqual([sum.clicks, sum.browsers, sum.devices, sum.bots])
      }
      // The top links, walked a link at a time by click_count, equal a ranking of every link's count.
      for (const range of [{}, { from: T0 + 2 * HOUR + 99_999, to: T0 + 6 * HOUR + 5 }]) {
        const each = await Promise.all(linkIds.map(async (linkId) => ({ linkId, clicks: (await storage.analytics.totals({ links: [linkId] }, range)).clicks })))
        const ranked = each.filter((l) => l.clicks > 0).sort((a, b) => b.clicks - a.clicks || a.linkId - b.linkId)
        for (const limit of [1, 2]) {
          const top = await storage.analytics.topLinks({ user: userId }, range, limit, 1)
          expect(top.map((s) => ({ linkId: s.linkId, clicks: s.clicks }))).toEqual(ranked.slice(0, limit))
        }
      }
      const kept = await answers()
      await storage.analytics.rebuildRollups()
      expect(await answers()).toEqual(kept)
    }

    it('counts what the raw clicks count after merges and reassignments', async () => {
      const merges = all.filter((r) => r.merges).length
      const reassignments = all.filter((r) => r.reassignments).length
      expect(merges).toBeGreaterThan(10)
      expect(reassignments).toBeGreaterThan(0)
      const stats = await storage.analytics.allLinkStats({})
      expect(stats.every((s) => s.clicks > s.deviceUniqueClicks && s.deviceUniqueClicks > 0)).toBe(true)
      await expectConsistent()
    }, 120_000)

    it('still agrees after human clicks are reclassified as bots', async () => {
      // The first click of a few clusters: their unique flag passes to the next click.
      const firsts = all.filter((r) => r.click.is_bot === 0).slice(0, 12)
      const changed = await storage.clicks.reclassifyClicks(firsts.map((r) => ({ link_id: r.click.link_id, ts: r.click.ts, ip_hash: r.click.ip_hash, method: r.click.method, user_agent: r.click.user_agent, bot_reason: 'scanner_burst' })))
      expect(changed).toBe(12)
      const reasons = await storage.analytics.breakdowns({ user: userId }, {})
      expect(reasons.botReasons.find((r) => r.value === 'scanner_burst')?.clicks).toBe(12)
      await expectConsistent()
    }, 120_000)

    it('still agrees after retention and a visitor deletion', async () => {
      const before = (await storage.analytics.totals({ user: userId }, {})).clicks
      const { deleted } = await storage.retention.deleteExpiredClicks(T0 + 3 * HOUR + 5_000, 0, Number.MAX_SAFE_INTEGER)
      expect(deleted).toBeGreaterThan(0)
      await expectConsistent()
      const cluster = (await storage.visitors.deviceClusterOf('ctx3')) ?? 'ctx3'
      const removed = await storage.visitors.deleteVisitorData(await storage.visitors.clusterContexts(cluster), 7)
      expect(removed.clicks).toBeGreaterThan(0)
      await expectConsistent()
      expect((await storage.analytics.totals({ user: userId }, {})).clicks).toBeLessThan(before)
    }, 120_000)

    it('takes a deleted link out of the account', async () => {
      const gone = (await storage.analytics.totals({ links: [linkIds[0]!] }, {})).clicks
      const before = (await storage.analytics.totals({ user: userId }, {})).clicks
      await storage.links.deleteLink(linkIds[0]!)
      linkIds = linkIds.slice(1)
      expect((await storage.analytics.totals({ user: userId }, {})).clicks).toBe(before - gone)
      await expectConsistent()
    }, 120_000)
  })
}

for (const dialect of DIALECTS) {
  describe(`migration 009 on ${dialect}`, () => {
    it('gives clicks stored before it their breakdowns: geo and language from their signals, browser from their context', async () => {
      const db = await createTestDatabase(dialect)
      const s = openRepositories(db.url)
      try {
        await s.migrateUp()
        const user = await s.users.createUser({ email: 'm@example.com', passwordHash: 'x', isAdmin: false, createdAt: 1 })
        const link = await s.links.createLink({ slug: 'older', url: 'https://example.org/', userId: user.id, createdAt: 1, updatedAt: 1, expiresAt: null, maxClicks: null, redirectStatus: 302, tags: [] })
        const signals = (city: string, source: string) => JSON.stringify({ mode: 'balanced', language: 'it', geo: { country: 'IT', region: null, city, source, confidence: source === 'inference' ? 60 : 80 } })
        const fingerprint = (id: string, browser: string): ClickRecord['fingerprint'] => ({
          row: {
            id, device_fingerprint: 'd', browser_fingerprint: 'b', session_fingerprint: 's', primary_fingerprint: 'p', sdk_device_hash: null, sdk_browser_hash: null,
            browser_name: browser, os_name: 'Windows', device_type: 'desktop', confidence: 60, correlation_factors: '[]', fingerprint_version: 2, created_at: 1, last_seen: 1,
          },
          correlation: { fingerprint_id: id, browser_cluster_id: id, device_cluster_id: 'dev', correlation_type: null, confidence_score: 60, updated_at: 1, edges: null },
        })
        const old = { country: 'IT', browser_name: null, os_name: null, device_type: null, city: null, language: null, geo_source: null, geo_confidence: null }
        await s.clicks.insertClicks([
          { ...clickRecord(link.id, 1000, { ...old, fingerprint_id: 'a', signals: signals('Rome', 'database') }), fingerprint: fingerprint('a', 'Chrome') },
          { ...clickRecord(link.id, 2000, { ...old, fingerprint_id: 'b', signals: signals('Milan', 'inference') }), fingerprint: fingerprint('b', 'Firefox') },
          clickRecord(link.id, 3000, { ...old, fingerprint_id: 'a', signals: signals('Rome', 'database') }),
        ])
        // Down through 009 (and the migrations after it), then up again.
        let undone: string | null
        do undone = await s.migrateDown()
        while (undone !== null && undone !== '009-analytics-rollups')
        expect(undone).toBe('009-analytics-rollups')
        expect(await s.migrateUp()).toContain('009-analytics-rollups')
        const b = await s.analytics.breakdowns({ links: [link.id] }, {})
        expect(b.browsers).toEqual([{ value: 'Chrome', clicks: 2, browserUniqueClicks: 1, deviceUniqueClicks: 1 }, { value: 'Firefox', clicks: 1, browserUniqueClicks: 1, deviceUniqueClicks: 0 }])
        expect(b.cities).toEqual([
          { value: 'Rome', clicks: 2, browserUniqueClicks: 1, deviceUniqueClicks: 1, inferred: false, confidence: 80 },
          { value: 'Milan', clicks: 1, browserUniqueClicks: 1, deviceUniqueClicks: 0, inferred: true, confidence: 60 },
        ])
        expect(b.languages).toEqual([{ value: 'it', clicks: 3, browserUniqueClicks: 2, deviceUniqueClicks: 1 }])
        expect(await s.analytics.linkStats(link.id, {})).toMatchObject({ clicks: 3, browserUniqueClicks: 2, deviceUniqueClicks: 1 })
      } finally {
        await s.close()
        await db.drop()
      }
    }, 60_000)
  })
}

/** A context's stored rows, as a click that creates it or that the engine placed anew writes them. */
function placed(ts: number, id: string, cluster: string): NonNullable<ClickRecord['fingerprint']> {
  return {
    row: {
      id, device_fingerprint: 'd', browser_fingerprint: 'b', session_fingerprint: 's', primary_fingerprint: 'p', sdk_device_hash: null, sdk_browser_hash: null,
      browser_name: 'Chrome', os_name: 'Windows', device_type: 'desktop', confidence: 60, correlation_factors: '[]', fingerprint_version: 2, created_at: T0, last_seen: ts,
    },
    correlation: { fingerprint_id: id, browser_cluster_id: cluster, device_cluster_id: cluster, correlation_type: null, confidence_score: 60, updated_at: ts, edges: null },
  }
}

for (const dialect of DIALECTS) {
  describe(`a known context absorbed without a merge row on ${dialect}`, () => {
    // The engine absorbs the younger side of a union by rewriting its correlation row, with no
    // merge row (resolve-identity.ts). Whether the absorption lands in the batch of the
    // context's earlier clicks or in a later one must not change any count.
    const splits = { 'one batch': [6], 'a batch a click': [1, 1, 1, 1, 1, 1], 'the absorption in a later batch': [2, 4] }
    for (const [name, sizes] of Object.entries(splits)) {
      it(`counts one device and one browser per link whatever the batches (${name})`, async () => {
        const fixture = await openTestStorage(dialect, 'absorbed@example.com')
        try {
          const { storage, userId } = fixture
          const link = async (slug: string) => (await storage.links.createLink({ slug, url: 'https://example.org/', userId, createdAt: T0, updatedAt: T0, expiresAt: null, maxClicks: null, redirectStatus: 302, tags: [] })).id
          const [one, two] = [await link('abs-one'), await link('abs-two')]
          const click = (linkId: number, ts: number, ctx: string, cluster: string) => clickRecord(linkId, ts, { fingerprint_id: ctx, browser_id: cluster, device_id: cluster, ip_hash: `ip${ts}` })
          const records: ClickRecord[] = [
            { ...click(one, T0 + 1_000, 'elder', 'elder'), fingerprint: placed(T0 + 1_000, 'elder', 'elder') },
            { ...click(one, T0 + 2_000, 'younger', 'younger'), fingerprint: placed(T0 + 2_000, 'younger', 'younger') },
            click(two, T0 + 3_000, 'younger', 'younger'),
            // The union: the younger context joins the elder's clusters through its rewritten row.
            { ...click(one, T0 + 4_000, 'younger', 'elder'), fingerprint: placed(T0 + 4_000, 'younger', 'elder') },
            click(two, T0 + 5_000, 'elder', 'elder'),
            click(one, T0 + 6_000, 'elder', 'elder'),
          ]
          for (let at = 0, i = 0; at < records.length; at += sizes[i++]!) await storage.clicks.insertClicks(records.slice(at, at + sizes[i]!))
          const counts = async () => (await storage.analytics.allLinkStats({})).map((s) => [s.linkId, s.clicks, s.browserUniqueClicks, s.deviceUniqueClicks]).sort((a, b) => a[0]! - b[0]!)
          const view = (await storage.analytics.unifiedClickAnalytics()).map((v) => [v.linkId, v.totalClicks, v.browserUniqueClicks, v.deviceUniqueClicks])
          expect(view).toEqual([[one, 4, 1, 1], [two, 2, 1, 1]])
          expect(await counts()).toEqual(view)
          expect(await storage.analytics.totals({ user: userId }, {})).toMatchObject({ clicks: 6, browserUniqueClicks: 2, deviceUniqueClicks: 2 })
          // Rollups rebuilt from the clicks say the same.
          await storage.analytics.rebuildRollups()
          expect(await counts()).toEqual(view)
        } finally {
          await fixture.close()
        }
      }, 60_000)
    }
  })
}
