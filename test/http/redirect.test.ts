import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEVICE_COOKIE } from '../../src/identity/device-cookie.js'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'

for (const dialect of DIALECTS) {
  describe(`redirects on ${dialect}`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect)
    })
    afterAll(() => svc.close())

    async function link(body: Record<string, unknown>) {
      const res = await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/target', ...body } })
      expect(res.statusCode).toBe(201)
      return res.json() as { slug: string }
    }
    const visit = (slug: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') =>
      svc.app.inject({ method, url: `/${slug}`, headers: { 'user-agent': CHROME, ...headers } })
    const stats = async (slug: string) => {
      await svc.linkprint.writer.flush()
      return (await svc.app.inject({ method: 'GET', url: `/api/links/${slug}/stats`, headers: bearer(svc.adminKey) })).json()
    }

    it('redirects with the link status and sets a signed device_fp cookie', async () => {
      const { slug } = await link({ slug: 'go' })
      const res = await visit('go')
      expect(res.statusCode).toBe(302)
      expect(res.headers.location).toBe('https://example.org/target')
      expect(res.headers['cache-control']).toBe('no-store')
      const cookie = String(res.headers['set-cookie'])
      expect(cookie).toMatch(new RegExp(`^${DEVICE_COOKIE}=[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{22};`))
      expect(cookie).toContain('HttpOnly')
      expect(cookie).toContain('SameSite=Lax')
      for (const status of [301, 307, 308] as const) {
        const l = await link({ redirectStatus: status })
        expect((await visit(l.slug)).statusCode).toBe(status)
      }
      expect(slug).toBe('go')
    })

    it('records every click with a hashed address and counts browsers by cookie', async () => {
      await link({ slug: 'counted' })
      const first = await visit('counted', { referer: 'https://news.example.com/story?id=1' })
      const cookie = String(first.headers['set-cookie']).split(';')[0]!
      await visit('counted', { cookie })
      await visit('counted', { cookie: `other=1; ${cookie}` })
      await visit('counted', { 'user-agent': SAFARI_IPHONE })
      expect(await stats('counted')).toEqual({ slug: 'counted', clicks: 4, browserUniqueClicks: 2, deviceUniqueClicks: 2, avgConfidence: expect.any(Number), botClicks: 0 })
      const exported = await svc.app.inject({ method: 'GET', url: '/api/links/counted/clicks?format=ndjson', headers: bearer(svc.adminKey) })
      const rows = exported.body.trim().split('\n').map((l) => JSON.parse(l))
      expect(rows).toHaveLength(4)
      expect(rows[0]).toMatchObject({ method: 'GET', bot: false, referrerHost: 'news.example.com', userAgent: CHROME })
      expect(exported.body).not.toContain('127.0.0.1')
      const stored = await svc.linkprint.storage.clicks.clicksPage(rows[0].id ? (await svc.linkprint.storage.links.findLinkBySlug('counted'))!.id : 0, {}, 0, 10)
      for (const row of stored) {
        expect(row.ip_hash).toMatch(/^[A-Za-z0-9_-]{22}$/)
        expect(JSON.stringify(row)).not.toContain('127.0.0.1')
      }
    })

    it('ignores a forged device_fp cookie', async () => {
      await link({ slug: 'forged' })
      const forged = `${DEVICE_COOKIE}=${'A'.repeat(22)}.${'B'.repeat(22)}`
      const res = await visit('forged', { cookie: forged })
      expect(String(res.headers['set-cookie'])).not.toContain('A'.repeat(22))
      await visit('forged', { cookie: forged })
      await stats('forged')
      const stored = (await svc.linkprint.storage.links.findLinkBySlug('forged'))!
      const rows = await svc.linkprint.storage.clicks.clicksPage(stored.id, {}, 0, 10)
      expect(rows.map((r) => r.identity_source)).toEqual(['server_generated', 'server_generated'])
      expect(rows.map((r) => r.fingerprint_id)).not.toContain('A'.repeat(22))
      for (const row of rows) expect(JSON.parse(row.signals!).rejected).toContainEqual({ signal: 'device_fp', reason: 'invalid_signature' })
    })

    it('flags bots, HEAD requests and link previews and never counts them', async () => {
      await link({ slug: 'previewed', maxClicks: 1 })
      for (const ua of ['WhatsApp/2.23.20.0 A', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'Twitterbot/1.0', 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'curl/8.5.0']) {
        const res = await visit('previewed', { 'user-agent': ua })
        expect(res.statusCode).toBe(302)
        expect(res.headers['set-cookie']).toBeUndefined()
      }
      const head = await visit('previewed', {}, 'HEAD')
      expect(head.statusCode).toBe(302)
      expect(head.body).toBe('')
      // The limit of one human click is still available after seven bots.
      expect((await visit('previewed')).statusCode).toBe(302)
      expect((await visit('previewed')).statusCode).toBe(410)
      expect(await stats('previewed')).toMatchObject({ clicks: 1, botClicks: 7 })
    })

    it('answers 404 for unknown slugs and 410 for expired or exhausted links, without recording', async () => {
      const unknown = await visit('nothing-here')
      expect(unknown.statusCode).toBe(404)
      expect(unknown.headers['content-type']).toContain('text/html')
      expect((await visit('nothing-here', {}, 'HEAD')).body).toBe('')
      expect((await visit('bad%20slug')).statusCode).toBe(404)
      expect((await visit('%3Cscript%3E')).body).not.toContain('<script>')

      await link({ slug: 'limited', maxClicks: 2 })
      expect((await visit('limited')).statusCode).toBe(302)
      expect((await visit('limited')).statusCode).toBe(302)
      expect((await visit('limited')).statusCode).toBe(410)
      expect(await stats('limited')).toMatchObject({ clicks: 2 })

      await link({ slug: 'expiring', expiresAt: new Date(Date.now() + 1).toISOString() }).catch(() => undefined)
      await link({ slug: 'soon', expiresAt: new Date(Date.now() + 150).toISOString() })
      expect((await visit('soon')).statusCode).toBe(302)
      await new Promise((r) => setTimeout(r, 200))
      expect((await visit('soon')).statusCode).toBe(410)
    })

    it('keeps the click limit across a cache reload and a raised limit', async () => {
      await link({ slug: 'raised', maxClicks: 1 })
      expect((await visit('raised')).statusCode).toBe(302)
      expect((await visit('raised')).statusCode).toBe(410)
      await svc.app.inject({ method: 'PATCH', url: '/api/links/raised', headers: bearer(svc.adminKey), payload: { maxClicks: 2 } })
      expect((await visit('raised')).statusCode).toBe(302)
      expect((await visit('raised')).statusCode).toBe(410)
      expect((await svc.app.inject({ method: 'GET', url: '/api/links/raised', headers: bearer(svc.adminKey) })).json().clicks).toBe(2)
    })

    it('reports a link\'s clicks once, whether they are queued or written', async () => {
      await link({ slug: 'once' })
      const clicks = async () => (await svc.app.inject({ method: 'GET', url: '/api/links/once', headers: bearer(svc.adminKey) })).json().clicks
      expect((await visit('once')).statusCode).toBe(302)
      expect((await visit('once')).statusCode).toBe(302)
      expect(await clicks()).toBe(2)
      const queued = (await svc.app.inject({ method: 'GET', url: '/api/links?limit=100', headers: bearer(svc.adminKey) })).json().links
      expect(queued.find((l: { slug: string }) => l.slug === 'once').clicks).toBe(2)
      await svc.linkprint.writer.flush()
      expect(await clicks()).toBe(2)
      const listed = (await svc.app.inject({ method: 'GET', url: '/api/links?limit=100', headers: bearer(svc.adminKey) })).json().links
      expect(listed.find((l: { slug: string }) => l.slug === 'once').clicks).toBe(2)
    })

    it('reserved paths are never redirects', async () => {
      for (const path of ['/api', '/admin', '/dashboard', '/metrics', '/healthz']) {
        const res = await svc.app.inject({ method: 'GET', url: path })
        expect(res.statusCode).not.toBe(302)
      }
      expect((await svc.app.inject({ method: 'GET', url: '/healthz' })).json()).toMatchObject({ status: 'ok', database: dialect })
      expect((await svc.app.inject({ method: 'GET', url: '/metrics' })).body).toContain('linkprint_redirects_total')
    })

    it('serves a time series with breakdowns and a CSV export safe for spreadsheets', async () => {
      await link({ slug: 'charted' })
      await visit('charted', { referer: 'https://social.example/', 'user-agent': '=cmd|calc' })
      await visit('charted', {}, 'HEAD')
      await visit('charted', { 'x-timezone': 'Europe/Rome', 'accept-language': 'it-IT,it;q=0.9' })
      await svc.linkprint.writer.flush()
      const res = await svc.app.inject({ method: 'GET', url: '/api/links/charted/analytics?interval=hour', headers: bearer(svc.adminKey) })
      expect(res.statusCode).toBe(200)
      const body = res.json()
      expect(body.series.reduce((n: number, b: { clicks: number }) => n + b.clicks, 0)).toBe(body.totals.clicks)
      expect(body.botReasons).toContainEqual(expect.objectContaining({ value: 'head_request', clicks: 1 }))
      // Located from the time zone and language (no edge header, no database hit on a test address); bots are not counted.
      expect(body.countries).toEqual([expect.objectContaining({ value: 'IT', clicks: 1, inferred: true })])
      expect(body.geoAttribution).toContain('DB-IP')
      const csv = await svc.app.inject({ method: 'GET', url: '/api/links/charted/clicks?format=csv', headers: bearer(svc.adminKey) })
      expect(csv.headers['content-type']).toContain('text/csv')
      expect(csv.body).toContain(`'=cmd|calc`)
      expect(csv.body.split('\n')[0]).toMatch(/,country$/)
      for (const url of ['/api/links/charted/stats?from=yesterday', '/api/links/charted/stats?from=2026-02-01&to=2026-01-01', '/api/links/charted/analytics?interval=minute', '/api/links/charted/analytics?from=0&interval=hour', '/api/links/charted/clicks?format=xml']) {
        const bad = await svc.app.inject({ method: 'GET', url, headers: bearer(svc.adminKey) })
        expect(bad.statusCode, url).toBe(400)
        expect(['INVALID_RANGE', 'VALIDATION_FAILED']).toContain(bad.json().error.code)
      }
    })

    it('the SQL view unified_click_analytics agrees with the stats API', async () => {
      await svc.linkprint.writer.flush()
      const view = await svc.linkprint.storage.analytics.unifiedClickAnalytics()
      for (const row of view) {
        const link = (await svc.linkprint.storage.analytics.allLinkStats({})).find((s) => s.linkId === row.linkId)!
        const api = await stats(link.slug)
        expect({ clicks: api.clicks, browser: api.browserUniqueClicks, device: api.deviceUniqueClicks, conf: api.avgConfidence }).toEqual({ clicks: row.totalClicks, browser: row.browserUniqueClicks, device: row.deviceUniqueClicks, conf: row.avgConfidence })
      }
    })
  })
}
