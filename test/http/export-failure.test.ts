import { get } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clickRecord } from '../helpers/click-records.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

describe('a click export that fails part-way', () => {
  let svc: TestService
  beforeAll(async () => {
    svc = await startTestService('sqlite', { GEOIP_DB: 'off' })
  }, 60_000)
  afterAll(() => svc.close())

  it('never stops silently: it says so in a last line, logs it, and aborts the transfer', async () => {
    const created = await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/', slug: 'broken' } })
    const linkId = (await svc.linkprint.storage.links.findLinkBySlug('broken'))!.id
    expect(created.statusCode).toBe(201)
    // A row no export can write (a time an earlier replay let in), between two good ones.
    await svc.linkprint.storage.clicks.insertClicks([clickRecord(linkId, Date.UTC(2026, 0, 1)), clickRecord(linkId, 1e300), clickRecord(linkId, Date.UTC(2026, 0, 2))])
    const base = await svc.app.listen({ port: 0, host: '127.0.0.1' })
    for (const format of ['ndjson', 'csv']) {
      // Over a real socket: what a client sees is the point (inject only reports the abort).
      const { body, complete } = await new Promise<{ body: string; complete: boolean }>((resolve) => {
        let body = ''
        get(`${base}/api/links/broken/clicks?format=${format}`, { headers: bearer(svc.adminKey) }, (res) => {
          res.on('data', (d) => (body += d))
          res.on('end', () => resolve({ body, complete: res.complete }))
          res.on('error', () => resolve({ body, complete: false }))
        }).on('error', () => resolve({ body, complete: false }))
      })
      expect(complete).toBe(false)
      const last = body.trim().split('\n').at(-1)!
      expect(last).toMatch(format === 'csv' ? /^# ERROR export stopped after click id \d+/ : /"code":"INTERNAL".*export stopped after click id \d+/)
    }
  })
})
