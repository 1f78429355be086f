import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLICK_CHANNEL, subscribe, UNION_CHANNEL, type ClickEvent, type UnionEvent } from '../../src/events/click-channels.js'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const FIREFOX_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:132.0) Gecko/20100101 Firefox/132.0'

for (const dialect of DIALECTS) {
  describe(`click events on ${dialect}`, () => {
    let svc: TestService
    let other: TestService
    beforeAll(async () => {
      ;[svc, other] = await Promise.all([startTestService(dialect, { PRIVACY_MODE: 'full', GEOIP_DB: 'off' }), startTestService(dialect, { PRIVACY_MODE: 'full', GEOIP_DB: 'off' })])
      for (const s of [svc, other]) await s.app.inject({ method: 'POST', url: '/api/links', headers: bearer(s.adminKey), payload: { url: 'https://example.org/', slug: 'events' } })
    }, 60_000)
    afterAll(() => Promise.all([svc.close(), other.close()]))

    const visit = (s: TestService, ua: string, browser: string, extra: Record<string, string> = {}, ip = '93.45.12.7') =>
      s.app.inject({
        method: 'GET', url: '/events', remoteAddress: ip,
        headers: { 'user-agent': ua, accept: 'text/html', 'accept-language': 'it-IT,it;q=0.9', 'x-browser-fingerprint': browser, 'x-timezone': 'Europe/Rome', ...extra },
      })
    const device = { 'x-device-fingerprint': 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6' }

    it("publishes each recorded click and the clusters it joined, to the service's subscribers only", async () => {
      const clicks: ClickEvent[] = []
      const unions: UnionEvent[] = []
      const stops = [subscribe(CLICK_CHANNEL, svc.linkprint.clickEnvironment, (e) => clicks.push(e)), subscribe(UNION_CHANNEL, svc.linkprint.clickEnvironment, (e) => unions.push(e))]
      try {
        // A browser first seen without the SDK's device hash is a device of its own; a second
        // browser elsewhere brings the hash; the first, back with it from there, joins the two.
        const firefox = await visit(svc, FIREFOX_MAC, 'f0000000000000000000000000000001')
        const cookie = String(firefox.headers['set-cookie']).split(';')[0]!
        expect((await visit(svc, CHROME_MAC, 'c0000000000000000000000000000001', device, '151.20.4.9')).statusCode).toBe(302)
        expect((await visit(svc, FIREFOX_MAC, 'f0000000000000000000000000000001', { ...device, cookie }, '151.20.4.9')).statusCode).toBe(302)
        expect((await visit(other, CHROME_MAC, 'c0000000000000000000000000000001', device)).statusCode).toBe(302)
        expect(clicks.map((c) => c.outcome.context.userAgent)).toEqual([FIREFOX_MAC, CHROME_MAC, FIREFOX_MAC])
        expect(unions).toHaveLength(1)
        expect(unions[0]!.merges.map((m) => m.level)).toContain('device')
      } finally {
        for (const stop of stops) stop()
      }
      await visit(svc, CHROME_MAC, 'c0000000000000000000000000000001')
      expect(clicks).toHaveLength(3)
    }, 60_000)
  })
}
