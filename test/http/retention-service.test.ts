import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

const DAY = 86_400_000
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

for (const dialect of DIALECTS) {
  describe(`RETENTION_DAYS in the service on ${dialect}`, () => {
    let svc: TestService
    let now = Date.parse('2026-09-01T08:00:00Z')
    beforeAll(async () => {
      svc = await startTestService(dialect, { RETENTION_DAYS: '30', GEOIP_DB: 'off', PRIVACY_MODE: 'full' }, { now: () => now })
      await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/', slug: 'kept', maxClicks: 3 } })
    })
    afterAll(() => svc.close())

    const visit = (ip: string) => svc.app.inject({ method: 'GET', url: '/kept', remoteAddress: ip, headers: { 'user-agent': CHROME } })

    it('runs at start, deletes what is older than N days, keeps click limits and the stats in step, and counts on /metrics', async () => {
      await expect.poll(() => svc.linkprint.retention.lastReport?.complete).toBe(true)
      expect((await visit('203.0.113.1')).statusCode).toBe(302)
      expect((await visit('203.0.113.2')).statusCode).toBe(302)
      now += 31 * DAY
      expect((await visit('203.0.113.3')).statusCode).toBe(302)
      await svc.linkprint.writer.flush()

      const report = await svc.linkprint.retention.run()
      expect(report).toMatchObject({ clicks: 2, fingerprints: 2, correlations: 2, complete: true })
      expect(await svc.linkprint.storage.clicks.countClicks()).toBe(1)
      // The limit still counts the deleted clicks: a fourth visit is refused.
      expect((await svc.linkprint.storage.links.findLinkBySlug('kept'))!.clickCount).toBe(3)
      expect((await visit('203.0.113.4')).statusCode).toBe(410)

      const stats = (await svc.app.inject({ method: 'GET', url: '/api/links/kept/stats', headers: bearer(svc.adminKey) })).json()
      expect(stats).toMatchObject({ clicks: 1, deviceUniqueClicks: 1 })
      const view = await svc.linkprint.storage.analytics.unifiedClickAnalytics()
      expect(view[0]).toMatchObject({ totalClicks: 1, deviceUniqueClicks: 1 })

      const metrics = (await svc.app.inject({ method: 'GET', url: '/metrics' })).body
      expect(metrics).toContain('linkprint_retention_deleted_rows_total{table="clicks"} 2')
      expect(metrics).toContain('linkprint_retention_deleted_rows_total{table="enhanced_fingerprints"} 2')
      expect(metrics).toContain(`linkprint_retention_last_run_seconds ${now / 1000}`)
    })

    it('forgets what it deleted: a device last seen before the cutoff is not recognised when its SDK hash comes back', async () => {
      await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/', slug: 'roam' } })
      const sdk = { 'x-device-fingerprint': 'ab12cd34ef56ab12cd34ef56ab12cd34', 'x-timezone': 'Europe/Rome', 'accept-language': 'it-IT,it;q=0.9' }
      const deviceOf = async (ip: string) => {
        const res = await svc.app.inject({ method: 'GET', url: '/roam', remoteAddress: ip, headers: { 'user-agent': CHROME, ...sdk } })
        expect(res.statusCode).toBe(302)
        await svc.linkprint.writer.flush()
        const cookie = String(res.headers['set-cookie']).split(';')[0]!
        return (await svc.app.inject({ method: 'GET', url: '/api/visitor/data', remoteAddress: ip, headers: { cookie } })).json().visitor.deviceCluster as string
      }
      const first = await deviceOf('198.51.100.7')
      // A week later, on another network, a new private window: the same device on the move.
      now += 7 * DAY
      expect(await deviceOf('192.0.2.44')).toBe(first)

      now += 31 * DAY
      // The two clicks, and the first test's last one.
      expect(await svc.linkprint.retention.run()).toMatchObject({ clicks: 3, fingerprints: 3 })
      expect(await deviceOf('192.0.2.44')).not.toBe(first)
    })
  })
}
