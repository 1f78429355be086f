import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

for (const dialect of DIALECTS) {
  describe(`hostile identity signals on ${dialect}`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect, { PRIVACY_MODE: 'full', GEOIP_DB: 'off', TRUST_PROXY: '10.0.0.1' })
      await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/', slug: 'h' } })
    })
    afterAll(() => svc.close())

    async function clickRow(headers: Record<string, string>, remoteAddress = '198.51.100.7') {
      const res = await svc.app.inject({ method: 'GET', url: '/h', remoteAddress, headers: { 'user-agent': CHROME, ...headers } })
      expect(res.statusCode).toBe(302)
      await svc.linkprint.writer.flush()
      const link = (await svc.linkprint.storage.links.findLinkBySlug('h'))!
      const rows = await svc.linkprint.storage.clicks.clicksPage(link.id, {}, 0, 10_000)
      const row = rows.at(-1)!
      return { row, signals: JSON.parse(row.signals ?? '{}') as { rejected?: Array<{ signal: string; reason: string }>; timezone: string | null; language: string | null } }
    }

    it('ignores forwarding headers from a peer that is not a trusted proxy', async () => {
      const direct = await clickRow({})
      const forged = await clickRow({ 'x-forwarded-for': '1.2.3.4', 'x-real-ip': '5.6.7.8', 'cf-connecting-ip': '9.9.9.9' })
      expect(forged.row.ip_hash).toBe(direct.row.ip_hash)
      expect(forged.signals.rejected).toContainEqual(expect.objectContaining({ reason: 'untrusted_peer' }))
      const viaProxy = await clickRow({ 'x-forwarded-for': '1.2.3.4' }, '10.0.0.1')
      expect(viaProxy.row.ip_hash).not.toBe(direct.row.ip_hash)
    })

    it('rejects malformed and oversized SDK fingerprints with a recorded reason', async () => {
      const bad = await clickRow({ 'x-device-fingerprint': '<script>alert(1)</script>', 'x-browser-fingerprint': 'a'.repeat(5000) }, '203.0.113.40')
      expect(bad.row.sdk_device_hash).toBeNull()
      expect(bad.row.sdk_browser_hash).toBeNull()
      expect(bad.signals.rejected).toEqual(expect.arrayContaining([
        { signal: 'x-device-fingerprint', reason: 'malformed' },
        { signal: 'x-browser-fingerprint', reason: 'oversized' },
      ]))
      expect(bad.row.identity_source).toBe('server_generated')
    })

    it('drops invalid time zones and language tags, keeping the click', async () => {
      const bad = await clickRow({ 'x-timezone': '../../etc/passwd', 'accept-language': 'xx_YY, ;;;, en-US;q=2' }, '203.0.113.50')
      expect([bad.row.is_bot, bad.row.bot_reason]).toEqual([0, null])
      expect(bad.signals.timezone).toBeNull()
      expect(bad.signals.rejected?.map((r) => r.signal)).toEqual(expect.arrayContaining(['x-timezone', 'accept-language']))
    })

    it('honours Sec-GPC and DNT: no cookie, no SDK fingerprint', async () => {
      for (const header of [{ 'sec-gpc': '1' }, { dnt: '1' }]) {
        const res = await svc.app.inject({ method: 'GET', url: '/h', headers: { 'user-agent': CHROME, 'x-device-fingerprint': 'abcdef0123456789abcdef0123456789', ...header } })
        expect(res.statusCode).toBe(302)
        expect(res.headers['set-cookie']).toBeUndefined()
      }
      const { row, signals } = await clickRow({ dnt: '1', 'x-device-fingerprint': 'abcdef0123456789abcdef0123456789' }, '203.0.113.60')
      expect(row.sdk_device_hash).toBeNull()
      expect(signals.rejected).toContainEqual({ signal: 'x-device-fingerprint', reason: 'privacy_strict' })
    })
  })
}
