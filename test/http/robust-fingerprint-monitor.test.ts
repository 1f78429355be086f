import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MONITOR_CSP } from '../../src/http/monitor-page.js'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

const PAGE = '/admin/robust-fingerprint-monitor'
const HOSTILE = '<img src=x onerror="alert(1)">'

for (const dialect of DIALECTS) {
  describe(`robust fingerprint monitor on ${dialect}`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect, { GEOIP_DB: 'off' })
    })
    afterAll(() => svc.close())

    it('serves the server-rendered page to an admin, under a strict CSP', async () => {
      await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/', slug: 'mon' } })
      for (let i = 0; i < 3; i++) await svc.app.inject({ method: 'GET', url: '/mon', headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0' } })
      await svc.linkprint.writer.flush()
      const res = await svc.app.inject({ method: 'GET', url: PAGE, headers: bearer(svc.adminKey) })
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(res.headers['content-security-policy']).toBe(MONITOR_CSP)
      expect(MONITOR_CSP).toContain("default-src 'none'")
      expect(MONITOR_CSP).toContain("script-src 'self'")
      expect(MONITOR_CSP).not.toContain('unsafe-inline')
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      const html = res.body
      expect(html).toMatch(/^<!doctype html>/)
      for (const heading of ['Algorithm and migration', 'Unique visitors, all links', 'Identity sources', 'Fingerprint versions', 'Recent fingerprints', 'Recent device clusters']) expect(html).toContain(heading)
      expect(html).toContain('<strong>robust</strong>')
      expect(html).toContain('server_generated')
      expect(html).toContain('DB-IP')
      // No inline script or handler: the only script is the page's own file.
      expect(html).not.toMatch(/<script(?![^>]*src="\/admin\/robust-fingerprint-monitor\.js")/)
      expect(html).not.toMatch(/\son[a-z]+=/i)

      const script = await svc.app.inject({ method: 'GET', url: '/admin/robust-fingerprint-monitor.js' })
      expect(script.statusCode).toBe(200)
      expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8')
      expect(script.body).toContain("authorization: 'Bearer ' + token")
    })

    it('escapes whatever storage holds', async () => {
      await svc.linkprint.storage.identity.writeRecomputed([{
        id: -1, ts: 1, columns: { browser_id: null, device_id: null, confidence: null, identity_source: null, fingerprint_version: null, fingerprint_id: null, session_hash: null, device_hash: null },
        effects: { fingerprint: {
          row: { id: HOSTILE, device_fingerprint: 'd', browser_fingerprint: 'b', session_fingerprint: 's', primary_fingerprint: 'p', sdk_device_hash: null, sdk_browser_hash: null, browser_name: HOSTILE, os_name: '"><script>alert(2)</script>', device_type: 'desktop', confidence: 50, correlation_factors: JSON.stringify([HOSTILE]), fingerprint_version: 1, created_at: Date.now(), last_seen: Date.now() + 1e9 },
          correlation: { fingerprint_id: HOSTILE, browser_cluster_id: HOSTILE, device_cluster_id: HOSTILE, correlation_type: 'partial', confidence_score: 50, updated_at: Date.now() },
        } },
      }], { key: 'monitor-test', value: '1' })
      const html = (await svc.app.inject({ method: 'GET', url: PAGE, headers: bearer(svc.adminKey) })).body
      expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;')
      expect(html).not.toContain(HOSTILE)
      expect(html).not.toContain('<script>alert(2)')
    })

    it('refuses everyone else without showing any data', async () => {
      const userKey = await svc.addUser('viewer@example.com')
      const anonymous = await svc.app.inject({ method: 'GET', url: PAGE })
      expect(anonymous.statusCode).toBe(401)
      expect(anonymous.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(anonymous.headers['content-security-policy']).toBe(MONITOR_CSP)
      expect(anonymous.body).toContain('id="token-form"')
      expect(anonymous.body).not.toContain('Unique visitors')
      const user = await svc.app.inject({ method: 'GET', url: PAGE, headers: bearer(userKey) })
      expect(user.statusCode).toBe(403)
      expect(user.body).not.toContain('Unique visitors')
      const forged = await svc.app.inject({ method: 'GET', url: PAGE, headers: { authorization: 'Bearer lp_forged' } })
      expect(forged.statusCode).toBe(401)
      expect(forged.body).not.toContain('Unique visitors')
      // Never a token in the URL: a query string changes nothing.
      expect((await svc.app.inject({ method: 'GET', url: `${PAGE}?token=${svc.adminKey}` })).statusCode).toBe(401)
    })
  })
}
