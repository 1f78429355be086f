import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

for (const dialect of DIALECTS) {
  describe(`account analytics on ${dialect}`, () => {
    let svc: TestService
    let userKey: string
    beforeAll(async () => {
      svc = await startTestService(dialect, { PRIVACY_MODE: 'balanced', GEOIP_DB: 'off' })
      userKey = await svc.addUser('ann@example.com')
      for (const [key, slug] of [[userKey, 'ann-a'], [userKey, 'ann-b'], [svc.adminKey, 'boss']] as const) {
        await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(key), payload: { url: 'https://example.org/', slug } })
      }
      const clicks: Array<[string, string]> = [['ann-a', '198.51.100.1'], ['ann-a', '198.51.100.2'], ['ann-a', '198.51.100.3'], ['ann-b', '198.51.100.1'], ['boss', '198.51.100.9']]
      for (const [slug, ip] of clicks) {
        const res = await svc.app.inject({ method: 'GET', url: `/${slug}`, remoteAddress: ip, headers: { 'user-agent': UA, accept: 'text/html', 'accept-language': 'en-GB' } })
        expect(res.statusCode).toBe(302)
      }
      await svc.linkprint.writer.flush()
    }, 120_000)
    afterAll(() => svc.close())

    it('sums the totals, series and breakdowns of the caller\'s links, with their top links', async () => {
      const res = await svc.app.inject({ method: 'GET', url: '/api/analytics?interval=hour&from=' + new Date(Date.now() - 3 * 3_600_000).toISOString(), headers: bearer(userKey) })
      expect(res.statusCode).toBe(200)
      const body = res.json()
      expect(body).toMatchObject({ scope: 'user', interval: 'hour', totals: { clicks: 4, browserUniqueClicks: 4, deviceUniqueClicks: 4, botClicks: 0 } })
      expect(body.series.reduce((n: number, b: { clicks: number }) => n + b.clicks, 0)).toBe(4)
      expect(body.browsers).toEqual([{ value: 'Chrome', clicks: 4, browserUniqueClicks: 4, deviceUniqueClicks: 4 }])
      expect(body.topLinks.map((l: { slug: string; clicks: number }) => [l.slug, l.clicks])).toEqual([['ann-a', 3], ['ann-b', 1]])
    }, 60_000)

    it('gives an admin every link with all=true, and refuses it to anyone else', async () => {
      const all = await svc.app.inject({ method: 'GET', url: '/api/analytics?all=true', headers: bearer(svc.adminKey) })
      expect(all.json()).toMatchObject({ scope: 'all', totals: { clicks: 5 } })
      expect((await svc.app.inject({ method: 'GET', url: '/api/analytics', headers: bearer(svc.adminKey) })).json().totals.clicks).toBe(1)
      const refused = await svc.app.inject({ method: 'GET', url: '/api/analytics?all=true', headers: bearer(userKey) })
      expect(refused.statusCode).toBe(403)
      expect(refused.json().error.code).toBe('FORBIDDEN')
      for (const url of ['/api/analytics?from=tomorrow', '/api/analytics?interval=minute', '/api/analytics?from=0&interval=hour', '/api/analytics/live?all=maybe']) {
        const bad = await svc.app.inject({ method: 'GET', url, headers: bearer(userKey) })
        expect(bad.statusCode, url).toBe(400)
      }
      expect((await svc.app.inject({ method: 'GET', url: '/api/analytics' })).statusCode).toBe(401)
    }, 60_000)

    it('streams the last 30 minutes by minute as server-sent events', async () => {
      const address = await svc.app.listen({ port: 0, host: '127.0.0.1' })
      const abort = new AbortController()
      const res = await fetch(`${address}/api/analytics/live`, { headers: bearer(userKey), signal: abort.signal })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
      const reader = res.body!.getReader()
      let text = ''
      while (!text.includes('\n\ndata:') && !/event: minutes\ndata: .*\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value)
      abort.abort()
      const data = JSON.parse(/event: minutes\ndata: (.*)\n\n/.exec(text)![1]!) as { minutes: Array<{ clicks: number }> }
      expect(data.minutes).toHaveLength(30)
      expect(data.minutes.reduce((n, m) => n + m.clicks, 0)).toBe(4)
    }, 60_000)
  })
}
