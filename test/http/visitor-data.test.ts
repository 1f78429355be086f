import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEVICE_COOKIE } from '../../src/identity/device-cookie.js'
import { VISITOR_DATA_LIMIT } from '../../src/http/plugins/visitor-data-plugin.js'
import { clickRecord } from '../helpers/click-records.js'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36'

interface ExportedClick { id: number; slug: string; fingerprintId: string; deviceId: string; userAgent: string; signals: unknown }

for (const dialect of DIALECTS) {
  describe(`visitor data export and deletion on ${dialect}`, () => {
    let svc: TestService
    let now = Date.parse('2026-11-01T10:00:00Z')
    const clock = { now: () => now }

    beforeAll(async () => {
      svc = await startTestService(dialect, { GEOIP_DB: 'off' }, clock)
      for (const slug of ['v-one', 'v-two']) {
        await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/', slug, maxClicks: 100 } })
      }
    })
    afterAll(() => svc.close())

    /** A browser: its cookie jar (device_fp) and its address. */
    function browser(ua: string, ip: string) {
      let cookie = ''
      return {
        get cookie() {
          return cookie
        },
        async visit(slug: string) {
          now += 1_000
          const res = await svc.app.inject({ method: 'GET', url: `/${slug}`, remoteAddress: ip, headers: { 'user-agent': ua, ...(cookie && { cookie }) } })
          expect(res.statusCode).toBe(302)
          const set = res.headers['set-cookie']
          if (typeof set === 'string') cookie = set.split(';')[0]!
        },
        data(method: 'GET' | 'DELETE', query = '', headers: Record<string, string> = {}) {
          return svc.app.inject({ method, url: `/api/visitor/data${query}`, remoteAddress: ip, headers: { 'user-agent': ua, ...(cookie && { cookie }), ...headers } })
        },
      }
    }
    async function statsAgree() {
      await svc.linkprint.writer.flush()
      const stats = await svc.linkprint.storage.analytics.allLinkStats({})
      const view = await svc.linkprint.storage.analytics.unifiedClickAnalytics()
      expect(view.map((v) => [v.linkId, v.totalClicks, v.browserUniqueClicks, v.deviceUniqueClicks, v.avgConfidence])).toEqual(stats.map((s) => [s.linkId, s.clicks, s.browserUniqueClicks, s.deviceUniqueClicks, s.avgConfidence]))
      return stats
    }
    const clickCounts = async () => Promise.all(['v-one', 'v-two'].map(async (slug) => (await svc.linkprint.storage.links.findLinkBySlug(slug))!.clickCount))

    it('exports only the visitor\'s own clicks, and deletes them and their identity rows, clearing the cookie', async () => {
      const alice = browser(CHROME, '203.0.113.10')
      const bob = browser(IPHONE, '198.51.100.20')
      await alice.visit('v-one')
      await bob.visit('v-one')
      await alice.visit('v-one')
      await alice.visit('v-two')
      await bob.visit('v-two')

      const res = await alice.data('GET')
      expect(res.statusCode).toBe(200)
      expect(res.headers['cache-control']).toBe('no-store')
      const body = res.json() as { visitor: { id: string; deviceCluster: string }; contexts: Array<{ id: string; deviceCluster: string }>; clicks: ExportedClick[] }
      const aliceId = alice.cookie.slice(DEVICE_COOKIE.length + 1, DEVICE_COOKIE.length + 23)
      expect(body.visitor.id).toBe(aliceId)
      expect(body.clicks.map((c) => c.slug)).toEqual(['v-one', 'v-one', 'v-two'])
      expect(body.clicks.every((c) => c.userAgent === CHROME && c.fingerprintId === aliceId)).toBe(true)
      expect(body.contexts.map((c) => c.id)).toContain(aliceId)
      // No address, raw or hashed, leaves the database.
      expect(res.body).not.toContain('203.0.113.10')
      expect(res.body).not.toMatch(/ip_?hash|ipHash|prefix/i)

      const ndjson = await alice.data('GET', '?format=ndjson')
      expect(ndjson.headers['content-type']).toContain('application/x-ndjson')
      expect(ndjson.body.trim().split('\n').map((l) => (JSON.parse(l) as ExportedClick).id)).toEqual(body.clicks.map((c) => c.id))
      expect((await alice.data('GET', '?format=xml')).statusCode).toBe(400)

      const countsBefore = await clickCounts()
      const bobBefore = (await bob.data('GET')).json() as { clicks: ExportedClick[] }
      expect(bobBefore.clicks).toHaveLength(2)

      const del = await alice.data('DELETE')
      expect(del.statusCode).toBe(200)
      expect(del.json()).toEqual({ visitor: { id: aliceId, deviceCluster: body.visitor.deviceCluster }, deleted: { clicks: 3, fingerprints: 1, correlations: 1 } })
      expect(String(del.headers['set-cookie'])).toMatch(new RegExp(`^${DEVICE_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax$`))

      // Bob's data is untouched; the counts and the view agree; click limits still count Alice's clicks.
      expect(((await bob.data('GET')).json() as { clicks: ExportedClick[] }).clicks).toEqual(bobBefore.clicks)
      const stats = await statsAgree()
      expect(stats.map((s) => [s.slug, s.clicks, s.deviceUniqueClicks])).toEqual([['v-one', 1, 1], ['v-two', 1, 1]])
      expect(await clickCounts()).toEqual(countsBefore)
      expect(await svc.linkprint.storage.visitors.visitorContexts([aliceId])).toEqual([])

      // The same cookie replayed after the deletion finds nothing.
      const replayed = await alice.data('GET')
      expect(replayed.statusCode).toBe(404)
      expect(replayed.json().error.code).toBe('VISITOR_NOT_FOUND')
      expect((await alice.data('DELETE')).json().error.code).toBe('VISITOR_NOT_FOUND')
    })

    it('flushes clicks still queued for the visitor before deleting, so none comes back', async () => {
      const carol = browser(ANDROID, '192.0.2.30')
      await carol.visit('v-one')
      await svc.linkprint.writer.flush()
      await carol.visit('v-two')
      await carol.visit('v-two')
      expect(svc.linkprint.writer.pending).toBeGreaterThan(0)
      const del = await carol.data('DELETE')
      expect(del.json().deleted.clicks).toBe(3)
      await svc.linkprint.writer.flush()
      expect((await carol.data('GET')).statusCode).toBe(404)
      await statsAgree()
    })

    it('answers a missing or forged cookie with a 401 and a code', async () => {
      const dave = browser(CHROME, '192.0.2.40')
      const missing = await dave.data('GET')
      expect(missing.statusCode).toBe(401)
      expect(missing.json().error.code).toBe('VISITOR_COOKIE_MISSING')
      expect(missing.headers['set-cookie']).toBeUndefined()
      await dave.visit('v-one')
      const [, value] = dave.cookie.split('=')
      const forged = `${DEVICE_COOKIE}=${value!.slice(0, 22)}.${'A'.repeat(22)}`
      for (const method of ['GET', 'DELETE'] as const) {
        const res = await dave.data(method, '', { cookie: forged })
        expect(res.statusCode).toBe(401)
        expect(res.json().error.code).toBe('VISITOR_COOKIE_INVALID')
      }
      // Nothing was deleted by the forged attempts.
      expect(((await dave.data('GET')).json() as { clicks: unknown[] }).clicks).toHaveLength(1)
    })

    it('rate-limits per network', async () => {
      const eve = browser(CHROME, '100.64.7.7')
      for (let i = 0; i < VISITOR_DATA_LIMIT.limit; i++) expect((await eve.data('GET')).statusCode).toBe(401)
      const limited = await eve.data('GET')
      expect(limited.statusCode).toBe(429)
      expect(limited.json().error.code).toBe('RATE_LIMITED')
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
      // Another network is not held back; the window passes.
      expect((await browser(CHROME, '100.65.7.7').data('GET')).statusCode).toBe(401)
      now += VISITOR_DATA_LIMIT.windowMs + 1
      expect((await eve.data('GET')).statusCode).toBe(401)
    })

    it('finds a visitor the engine\'s memory does not know: by storage\'s clusters, else by the cookie id alone', async () => {
      const { storage, clickEnvironment } = svc.linkprint
      const linkId = (await storage.links.findLinkBySlug('v-one'))!.id
      const ts = now
      // Written by an earlier process (the engine here never saw them): a member and its root, and a deferred click with no rows.
      const placed = (key: string, root: string) => ({
        ...clickRecord(linkId, ts, { fingerprint_id: key, browser_id: key, device_id: root }),
        fingerprint: {
          row: { id: key, device_fingerprint: 'd', browser_fingerprint: `b-${key}`, session_fingerprint: 's', primary_fingerprint: `p-${key}`, sdk_device_hash: null, sdk_browser_hash: null, browser_name: 'Firefox', os_name: 'Linux', device_type: 'desktop', confidence: 70, correlation_factors: '[]', fingerprint_version: 1, created_at: ts, last_seen: ts },
          correlation: { fingerprint_id: key, browser_cluster_id: key, device_cluster_id: root, correlation_type: key === root ? null : 'partial', confidence_score: 70, updated_at: ts },
        },
      })
      const root = clickEnvironment.deviceCookie.newId(ts)
      const member = clickEnvironment.deviceCookie.newId(ts)
      const deferred = clickEnvironment.deviceCookie.newId(ts)
      await storage.clicks.insertClicks([placed(root, root), placed(member, root), clickRecord(linkId, ts, { fingerprint_id: deferred, identity_source: null })])
      const ask = (id: string, method: 'GET' | 'DELETE' = 'GET') =>
        svc.app.inject({ method, url: '/api/visitor/data', remoteAddress: '192.0.2.60', headers: { cookie: `${DEVICE_COOKIE}=${clickEnvironment.deviceCookie.sign(id)}` } })

      // The visitor sees their own browser's clicks and the device cluster storage places it in; the admin, the whole cluster.
      const own = (await ask(member)).json() as { visitor: { deviceCluster: string }; clicks: ExportedClick[] }
      expect(own.visitor.deviceCluster).toBe(root)
      expect(own.clicks.map((c) => c.fingerprintId)).toEqual([member])
      const admin = (method: 'GET' | 'DELETE') => svc.app.inject({ method, url: `/api/admin/visitors/${member}`, headers: bearer(svc.adminKey) })
      const cluster = (await admin('GET')).json() as { visitor: { deviceCluster: string }; clicks: ExportedClick[] }
      expect(cluster.clicks.map((c) => c.fingerprintId).sort()).toEqual([root, member].sort())
      const alone = (await ask(deferred)).json() as { visitor: { deviceCluster: string | null }; clicks: ExportedClick[] }
      expect(alone.visitor.deviceCluster).toBeNull()
      expect(alone.clicks.map((c) => c.fingerprintId)).toEqual([deferred])
      expect((await admin('DELETE')).json().deleted).toEqual({ clicks: 2, fingerprints: 2, correlations: 2 })
      expect((await ask(deferred, 'DELETE')).json().deleted).toEqual({ clicks: 1, fingerprints: 0, correlations: 0 })
      await statsAgree()
    })

    it('lets an admin export and delete a visitor by device or cookie id', async () => {
      const frank = browser(IPHONE, '192.0.2.50')
      await frank.visit('v-one')
      await frank.visit('v-two')
      const mine = (await frank.data('GET')).json() as { visitor: { id: string; deviceCluster: string }; clicks: ExportedClick[] }
      const userKey = await svc.addUser(`plain-${dialect}@example.com`)
      const url = `/api/admin/visitors/${mine.clicks[0]!.deviceId}`
      expect((await svc.app.inject({ method: 'GET', url })).statusCode).toBe(401)
      expect((await svc.app.inject({ method: 'GET', url, headers: bearer(userKey) })).json().error.code).toBe('FORBIDDEN')
      expect((await svc.app.inject({ method: 'DELETE', url, headers: bearer(userKey) })).statusCode).toBe(403)
      const unknown = await svc.app.inject({ method: 'GET', url: '/api/admin/visitors/nobody-at-all', headers: bearer(svc.adminKey) })
      expect(unknown.statusCode).toBe(404)
      expect(unknown.json().error.code).toBe('VISITOR_NOT_FOUND')
      expect((await svc.app.inject({ method: 'GET', url: '/api/admin/visitors/bad%20id', headers: bearer(svc.adminKey) })).statusCode).toBe(400)

      const byDevice = await svc.app.inject({ method: 'GET', url, headers: bearer(svc.adminKey) })
      expect(byDevice.statusCode).toBe(200)
      expect((byDevice.json() as { clicks: ExportedClick[] }).clicks).toEqual(mine.clicks)
      const byCookie = await svc.app.inject({ method: 'GET', url: `/api/admin/visitors/${mine.visitor.id}?format=ndjson`, headers: bearer(svc.adminKey) })
      expect(byCookie.body.trim().split('\n')).toHaveLength(2)

      const erasures = async () => Number(/^linkprint_visitor_erasures_total\{by="admin"\} (\d+)/m.exec((await svc.app.inject({ method: 'GET', url: '/metrics' })).body)?.[1] ?? 0)
      const erasuresBefore = await erasures()
      const countsBefore = await clickCounts()
      const del = await svc.app.inject({ method: 'DELETE', url, headers: bearer(svc.adminKey) })
      expect(del.statusCode).toBe(200)
      expect(del.json().deleted).toEqual({ clicks: 2, fingerprints: 1, correlations: 1 })
      expect(del.headers['set-cookie']).toBeUndefined()
      expect((await svc.app.inject({ method: 'GET', url, headers: bearer(svc.adminKey) })).statusCode).toBe(404)
      expect(await clickCounts()).toEqual(countsBefore)
      await statsAgree()
      expect(await erasures()).toBe(erasuresBefore + 1)
    })
  })
}
