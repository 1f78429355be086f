import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1'

for (const dialect of DIALECTS) {
  describe(`link analytics breakdowns on ${dialect}`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect, { PRIVACY_MODE: 'balanced', GEOIP_DB: 'off' })
      await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/', slug: 'spring' } })
    }, 120_000)
    afterAll(() => svc.close())

    async function visit(ua: string, ip: string, language: string, cookie?: string): Promise<string | undefined> {
      const res = await svc.app.inject({
        method: 'GET', url: '/spring', remoteAddress: ip,
        headers: { 'user-agent': ua, accept: 'text/html', 'accept-language': language, referer: 'https://news.example/today', ...(cookie && { cookie }) },
      })
      expect(res.statusCode).toBe(302)
      const set = res.headers['set-cookie']
      return typeof set === 'string' ? set.split(';')[0] : cookie
    }

    it('breaks clicks down by browser, system, device type, language and referrer, with unique browsers and devices per value', async () => {
      const jar = await visit(CHROME_WINDOWS, '198.51.100.7', 'it-IT,it;q=0.9')
      await visit(CHROME_WINDOWS, '198.51.100.7', 'it-IT,it;q=0.9', jar)
      await visit(SAFARI_IPHONE, '203.0.113.9', 'de-DE,de;q=0.9')
      await svc.app.inject({ method: 'HEAD', url: '/spring', remoteAddress: '192.0.2.1', headers: { 'user-agent': 'curl/8.0' } })
      await svc.linkprint.writer.flush()
      const res = await svc.app.inject({ method: 'GET', url: '/api/links/spring/analytics?interval=hour', headers: bearer(svc.adminKey) })
      expect(res.statusCode).toBe(200)
      const body = res.json()
      expect(body.totals).toMatchObject({ clicks: 3, browserUniqueClicks: 2, deviceUniqueClicks: 2, botClicks: 1 })
      expect(body.browsers).toEqual([
        { value: 'Chrome', clicks: 2, browserUniqueClicks: 1, deviceUniqueClicks: 1 },
        { value: 'Mobile Safari', clicks: 1, browserUniqueClicks: 1, deviceUniqueClicks: 1 },
      ])
      expect(body.operatingSystems.map((r: { value: string }) => r.value).sort()).toEqual(['Windows', 'iOS'])
      expect(body.deviceTypes).toEqual([
        { value: 'desktop', clicks: 2, browserUniqueClicks: 1, deviceUniqueClicks: 1 },
        { value: 'mobile', clicks: 1, browserUniqueClicks: 1, deviceUniqueClicks: 1 },
      ])
      expect(body.languages).toEqual([{ value: 'it', clicks: 2, browserUniqueClicks: 1, deviceUniqueClicks: 1 }, { value: 'de', clicks: 1, browserUniqueClicks: 1, deviceUniqueClicks: 1 }])
      expect(body.referrers).toEqual([{ host: 'news.example', value: 'news.example', clicks: 3, browserUniqueClicks: 2, deviceUniqueClicks: 2 }])
      expect(body.botReasons).toHaveLength(1)
      // Without a geo database, where a country is known at all it was inferred from language and time zone, and says so.
      for (const c of body.countries) if (c.value !== null) expect(c).toMatchObject({ inferred: true, confidence: expect.any(Number) })
      expect(body.cities).toEqual(expect.any(Array))
    }, 120_000)
  })
}
