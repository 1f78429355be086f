import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

const UA = {
  chromeMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  firefoxMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:132.0) Gecko/20100101 Firefox/132.0',
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  windows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
}

interface Visit {
  ua: string
  ip: string
  /** The cookie jar: a browser profile; a private window is a jar of its own. */
  jar: Map<string, string>
  sdk?: { device: string; browser: string }
}

for (const dialect of DIALECTS) {
  describe(`unique visitors (seed 004's scenarios) on ${dialect}`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect, { PRIVACY_MODE: 'full', GEOIP_DB: 'off' })
    })
    afterAll(() => svc.close())

    async function visit(slug: string, v: Visit) {
      const cookie = [...v.jar.entries()].map(([k, val]) => `${k}=${val}`).join('; ')
      const res = await svc.app.inject({
        method: 'GET',
        url: `/${slug}`,
        remoteAddress: v.ip,
        headers: {
          'user-agent': v.ua,
          accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
          'accept-language': 'it-IT,it;q=0.9,en;q=0.8',
          ...(cookie && { cookie }),
          ...(v.sdk && { 'x-device-fingerprint': v.sdk.device, 'x-browser-fingerprint': v.sdk.browser, 'x-timezone': 'Europe/Rome' }),
        },
      })
      expect(res.statusCode).toBe(302)
      const set = res.headers['set-cookie']
      if (typeof set === 'string') {
        const [pair] = set.split(';')
        const [k, val] = pair!.split('=')
        v.jar.set(k!, val!)
      }
    }
    async function stats(slug: string) {
      await svc.linkprint.writer.flush()
      const res = await svc.app.inject({ method: 'GET', url: `/api/links/${slug}/stats`, headers: bearer(svc.adminKey) })
      return res.json() as { clicks: number; browserUniqueClicks: number; deviceUniqueClicks: number; avgConfidence: number }
    }
    async function link(slug: string) {
      await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/', slug } })
    }
    const mac = { device: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6' }

    it('scenario 1: Chrome, Firefox and Safari on one computer are 3 browsers and 1 device', async () => {
      await link('s1')
      await visit('s1', { ua: UA.chromeMac, ip: '93.45.12.7', jar: new Map(), sdk: { ...mac, browser: 'c0000000000000000000000000000001' } })
      await visit('s1', { ua: UA.firefoxMac, ip: '93.45.12.7', jar: new Map(), sdk: { ...mac, browser: 'f0000000000000000000000000000001' } })
      await visit('s1', { ua: UA.safariMac, ip: '93.45.12.7', jar: new Map(), sdk: { ...mac, browser: '50000000000000000000000000000001' } })
      expect(await stats('s1')).toMatchObject({ clicks: 3, browserUniqueClicks: 3, deviceUniqueClicks: 1 })
    })

    it('scenario 2: a private window of the same browser is not a new visitor', async () => {
      await link('s2')
      const sdk = { device: 'b1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6', browser: 'c1000000000000000000000000000001' }
      const normal: Visit = { ua: UA.windows, ip: '151.20.4.9', jar: new Map(), sdk }
      await visit('s2', normal)
      await visit('s2', { ...normal, jar: new Map() })
      await visit('s2', normal)
      expect(await stats('s2')).toMatchObject({ clicks: 3, browserUniqueClicks: 1, deviceUniqueClicks: 1 })
    })

    it('scenario 3: phone, computer and tablet are 3 devices', async () => {
      await link('s3')
      await visit('s3', { ua: UA.iphone, ip: '93.45.12.8', jar: new Map(), sdk: { device: 'd1000000000000000000000000000001', browser: 'e1000000000000000000000000000001' } })
      await visit('s3', { ua: UA.windows, ip: '93.45.12.8', jar: new Map(), sdk: { device: 'd2000000000000000000000000000001', browser: 'e2000000000000000000000000000001' } })
      await visit('s3', { ua: UA.ipad, ip: '93.45.12.8', jar: new Map(), sdk: { device: 'd3000000000000000000000000000001', browser: 'e3000000000000000000000000000001' } })
      expect(await stats('s3')).toMatchObject({ clicks: 3, browserUniqueClicks: 3, deviceUniqueClicks: 3 })
    })

    it('two identical phones seen on two networks at once are two devices, even behind one router later', async () => {
      await link('twins')
      const sdk = { device: 'f1000000000000000000000000000001', browser: 'f2000000000000000000000000000001' }
      const anna: Visit = { ua: UA.iphone, ip: '2.36.1.10', jar: new Map(), sdk }
      const bruno: Visit = { ua: UA.iphone, ip: '5.90.200.3', jar: new Map(), sdk }
      await visit('twins', anna)
      await visit('twins', bruno)
      await visit('twins', { ...bruno, ip: anna.ip })
      expect(await stats('twins')).toMatchObject({ clicks: 3, deviceUniqueClicks: 2 })
    })

    it('an office address with many devices is not evidence: identical laptops stay apart', async () => {
      await link('office')
      for (let i = 0; i < 20; i++) {
        await visit('office', { ua: UA.windows, ip: '212.1.1.1', jar: new Map(), sdk: { device: 'ab000000000000000000000000000001', browser: 'ab000000000000000000000000000002' } })
      }
      // The first few contexts on a quiet address may be joined; a crowded address stops it.
      expect((await stats('office')).deviceUniqueClicks).toBeGreaterThanOrEqual(14)
    })

    it('plain redirects without the SDK count a returning browser once by its cookie', async () => {
      await link('plain')
      const v: Visit = { ua: UA.safariMac, ip: '93.45.12.9', jar: new Map() }
      await visit('plain', v)
      await visit('plain', v)
      await visit('plain', { ua: UA.chromeMac, ip: '93.45.12.9', jar: new Map() })
      const s = await stats('plain')
      expect(s).toMatchObject({ clicks: 3, browserUniqueClicks: 2 })
      expect(s.avgConfidence).toBeLessThan(90)
    })

    it('the view unified_click_analytics agrees with the stats API after merges', async () => {
      await svc.linkprint.writer.flush()
      const view = await svc.linkprint.storage.analytics.unifiedClickAnalytics()
      const all = await svc.linkprint.storage.analytics.allLinkStats({})
      for (const s of all) {
        const row = view.find((r) => r.linkId === s.linkId)!
        expect([row.totalClicks, row.browserUniqueClicks, row.deviceUniqueClicks, row.avgConfidence]).toEqual([s.clicks, s.browserUniqueClicks, s.deviceUniqueClicks, s.avgConfidence])
      }
    })
  })
}
