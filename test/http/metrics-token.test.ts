import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestService, type TestService } from '../helpers/test-service.js'

describe('METRICS_TOKEN', () => {
  let svc: TestService
  beforeAll(async () => {
    svc = await startTestService('sqlite', { METRICS_TOKEN: 'scrape-me-please', GEOIP_DB: 'off' })
  }, 60_000)
  afterAll(() => svc.close())

  it('protects /metrics: no token 401, a wrong one 401, the right one the metrics', async () => {
    const get = (authorization?: string) => svc.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} })
    const none = await get()
    expect([none.statusCode, none.json().error.code]).toEqual([401, 'UNAUTHORIZED'])
    expect(none.body).not.toContain('linkprint_')
    const wrong = await get('Bearer scrape-me-pleasE')
    expect([wrong.statusCode, wrong.json().error.code]).toEqual([401, 'INVALID_TOKEN'])
    const right = await get('Bearer scrape-me-please')
    expect(right.statusCode).toBe(200)
    expect(right.body).toContain('linkprint_redirects_total')
  })
})
