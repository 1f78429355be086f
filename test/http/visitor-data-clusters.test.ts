import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const FIREFOX_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:132.0) Gecko/20100101 Firefox/132.0'
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1'

interface Export { visitor: { deviceCluster: string }; contexts: Array<{ id: string }>; clicks: Array<{ userAgent: string; deviceId: string }> }

for (const dialect of DIALECTS) {
  describe(`visitor data of a device cluster on ${dialect}`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect, { PRIVACY_MODE: 'full', GEOIP_DB: 'off' })
      await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/', slug: 'cluster' } })
    })
    afterAll(() => svc.close())

    async function visit(ua: string, ip: string, sdk: { device: string; browser: string }): Promise<string> {
      const res = await svc.app.inject({
        method: 'GET', url: '/cluster', remoteAddress: ip,
        headers: { 'user-agent': ua, accept: 'text/html', 'accept-language': 'it-IT,it;q=0.9', 'x-device-fingerprint': sdk.device, 'x-browser-fingerprint': sdk.browser, 'x-timezone': 'Europe/Rome' },
      })
      expect(res.statusCode).toBe(302)
      return String(res.headers['set-cookie']).split(';')[0]!
    }

    it('a cookie opens its own browser\'s data only; an admin exports and deletes the whole device, another device stays', async () => {
      const mac = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6'
      const chrome = await visit(CHROME_MAC, '93.45.12.7', { device: mac, browser: 'c0000000000000000000000000000001' })
      const firefox = await visit(FIREFOX_MAC, '93.45.12.7', { device: mac, browser: 'f0000000000000000000000000000001' })
      const phone = await visit(IPHONE, '93.45.12.7', { device: 'd1000000000000000000000000000001', browser: 'e1000000000000000000000000000001' })
      await svc.linkprint.writer.flush()
      expect((await svc.linkprint.storage.analytics.allLinkStats({}))[0]).toMatchObject({ clicks: 3, browserUniqueClicks: 3, deviceUniqueClicks: 2 })

      // The engine joined Chrome and Firefox into one device; a cookie still proves only its browser.
      const own = (await svc.app.inject({ method: 'GET', url: '/api/visitor/data', remoteAddress: '93.45.12.7', headers: { cookie: chrome } })).json() as Export
      expect(own.clicks.map((c) => c.userAgent)).toEqual([CHROME_MAC])
      expect(own.contexts).toHaveLength(1)
      const device = own.visitor.deviceCluster
      expect(device).toBe(own.clicks[0]!.deviceId)

      const whole = (await svc.app.inject({ method: 'GET', url: `/api/admin/visitors/${encodeURIComponent(device)}`, headers: bearer(svc.adminKey) })).json() as Export
      expect(whole.clicks.map((c) => c.userAgent).sort()).toEqual([CHROME_MAC, FIREFOX_MAC].sort())
      expect(whole.contexts).toHaveLength(2)

      const delOwn = await svc.app.inject({ method: 'DELETE', url: '/api/visitor/data', remoteAddress: '93.45.12.7', headers: { cookie: firefox } })
      expect(delOwn.json().deleted).toEqual({ clicks: 1, fingerprints: 1, correlations: 1 })
      const del = await svc.app.inject({ method: 'DELETE', url: `/api/admin/visitors/${encodeURIComponent(device)}`, headers: bearer(svc.adminKey) })
      expect(del.json().deleted).toEqual({ clicks: 1, fingerprints: 1, correlations: 1 })

      const left = (await svc.app.inject({ method: 'GET', url: '/api/visitor/data', remoteAddress: '93.45.12.7', headers: { cookie: phone } })).json() as Export
      expect(left.clicks.map((c) => c.userAgent)).toEqual([IPHONE])
      expect((await svc.linkprint.storage.analytics.allLinkStats({}))[0]).toMatchObject({ clicks: 1, browserUniqueClicks: 1, deviceUniqueClicks: 1 })
      expect((await svc.linkprint.storage.links.findLinkBySlug('cluster'))!.clickCount).toBe(3)
    })

    it('forgets an erased device at once: its signals link no later visit to it', async () => {
      await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/', slug: 'erased' } })
      const mac = { device: 'b1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6', browser: 'c0000000000000000000000000000002' }
      const visitErased = async (ua: string, sdk: { device: string; browser: string }) => {
        const res = await svc.app.inject({
          method: 'GET', url: '/erased', remoteAddress: '93.45.77.8',
          headers: { 'user-agent': ua, accept: 'text/html', 'accept-language': 'it-IT,it;q=0.9', 'x-device-fingerprint': sdk.device, 'x-browser-fingerprint': sdk.browser, 'x-timezone': 'Europe/Rome' },
        })
        expect(res.statusCode).toBe(302)
        return String(res.headers['set-cookie']).split(';')[0]!
      }
      const chrome = await visitErased(CHROME_MAC, mac)
      await svc.linkprint.writer.flush()
      const device = ((await svc.app.inject({ method: 'GET', url: '/api/visitor/data', remoteAddress: '93.45.77.8', headers: { cookie: chrome } })).json() as Export).visitor.deviceCluster
      const del = await svc.app.inject({ method: 'DELETE', url: `/api/admin/visitors/${encodeURIComponent(device)}`, headers: bearer(svc.adminKey) })
      expect(del.statusCode).toBe(200)

      // The same Mac comes back in another browser: without the erased context to match,
      // it is a device nobody has seen, not the erased one revived.
      const firefox = await visitErased(FIREFOX_MAC, { device: mac.device, browser: 'f0000000000000000000000000000002' })
      await svc.linkprint.writer.flush()
      const after = (await svc.app.inject({ method: 'GET', url: '/api/visitor/data', remoteAddress: '93.45.77.8', headers: { cookie: firefox } })).json() as Export
      expect(after.visitor.deviceCluster).not.toBe(device)
      const stats = (await svc.app.inject({ url: '/api/links/erased/stats', headers: bearer(svc.adminKey) })).json()
      expect(stats).toMatchObject({ clicks: 1, browserUniqueClicks: 1, deviceUniqueClicks: 1 })
    })
  })
}
