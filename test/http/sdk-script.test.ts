import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserScripts } from '../../src/sdk/browser-scripts.js'
import { startTestService, type TestService } from '../helpers/test-service.js'

describe('GET /sdk/linkprint.js', () => {
  let svc: TestService
  beforeAll(async () => {
    svc = await startTestService('sqlite')
  })
  afterAll(() => svc.close())

  it('serves the SDK as nosniff JavaScript, revalidated unless the URL names its version', async () => {
    const { sdk } = await browserScripts()
    const plain = await svc.app.inject({ url: '/sdk/linkprint.js' })
    expect(plain.statusCode).toBe(200)
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(plain.headers['x-content-type-options']).toBe('nosniff')
    expect(plain.headers['cache-control']).toBe('no-cache')
    expect(plain.headers.etag).toBe(`"${sdk.version}"`)
    // Public and credential-free: readable from any origin, so sites can pin it with SRI.
    expect(plain.headers).toMatchObject({ 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' })
    expect(plain.headers['access-control-allow-credentials']).toBeUndefined()
    expect(plain.body).toBe(sdk.code)
    // One self-contained script: no module syntax, and the only global it sets on purpose.
    expect(plain.body).not.toMatch(/^\s*(import|export)\s/m)
    expect(plain.body).toContain('linkprint')

    const versioned = await svc.app.inject({ url: `/sdk/linkprint.js?v=${sdk.version}` })
    expect(versioned.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    // An old version's URL must not pin today's code for a year.
    const stale = await svc.app.inject({ url: '/sdk/linkprint.js?v=0ld-version' })
    expect(stale.headers['cache-control']).toBe('no-cache')

    const revalidated = await svc.app.inject({ url: '/sdk/linkprint.js', headers: { 'if-none-match': `"${sdk.version}"` } })
    expect(revalidated.statusCode).toBe(304)
    expect(revalidated.body).toBe('')
  })

  it('refuses query parameters it does not know, with a stable code', async () => {
    for (const url of ['/sdk/linkprint.js?v=%3Cscript%3E', '/sdk/linkprint.js?cb=1', `/sdk/linkprint.js?v=${'a'.repeat(65)}`]) {
      const res = await svc.app.inject({ url })
      expect(res.statusCode, url).toBe(400)
      expect(res.json().error.code).toBe('VALIDATION_FAILED')
      expect(res.body).not.toContain('<script>')
    }
  })

  it('is never a short link: /sdk is reserved', async () => {
    expect((await svc.app.inject({ method: 'POST', url: '/api/links', headers: { authorization: `Bearer ${svc.adminKey}` }, payload: { url: 'https://example.org/', slug: 'sdk' } })).json().error.code).toBe('SLUG_RESERVED')
  })
})
