import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

for (const dialect of DIALECTS) {
  describe(`several short domains on ${dialect}`, () => {
    let svc: TestService
    let userKey: string
    beforeAll(async () => {
      svc = await startTestService(dialect, { PUBLIC_URL: 'https://sho.rt', TRUST_PROXY: '10.0.0.1' })
      userKey = await svc.addUser('user@example.com')
    }, 60_000)
    afterAll(() => svc.close())

    const domains = (method: 'GET' | 'POST' | 'DELETE', payload?: object, key = svc.adminKey, url = '/api/domains') =>
      svc.app.inject({ method, url, headers: bearer(key), ...(payload && { payload }) })
    const create = (payload: object, key = userKey) => svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(key), payload })
    const visit = (host: string, path: string, extra: Record<string, string> = {}, remoteAddress = '203.0.113.9') =>
      svc.app.inject({ method: 'GET', url: path, headers: { host, 'user-agent': CHROME, accept: 'text/html', ...extra }, remoteAddress })

    it('lets admins add, list and remove domains, and nobody else add or remove them', async () => {
      const added = await domains('POST', { host: 'Go.Example.COM' })
      expect(added.statusCode).toBe(201)
      expect(added.json()).toMatchObject({ host: 'go.example.com' })
      expect((await domains('POST', { host: 'go.example.com' })).json().error.code).toBe('DOMAIN_TAKEN')
      expect((await domains('POST', { host: 'links.example.org' })).statusCode).toBe(201)
      const listed = await domains('GET', undefined, userKey)
      expect(listed.statusCode).toBe(200)
      expect(listed.json()).toEqual({ default: 'sho.rt', domains: [expect.objectContaining({ host: 'go.example.com' }), expect.objectContaining({ host: 'links.example.org' })] })
      expect((await domains('POST', { host: 'evil.example' }, userKey)).json().error.code).toBe('FORBIDDEN')
      expect((await domains('DELETE', { host: 'links.example.org' }, userKey)).json().error.code).toBe('FORBIDDEN')
      expect((await svc.app.inject({ method: 'POST', url: '/api/domains', payload: { host: 'x.example' } })).statusCode).toBe(401)
      expect((await domains('DELETE', undefined, svc.adminKey, '/api/domains/links.example.org')).statusCode).toBe(204)
      expect((await domains('DELETE', { host: 'links.example.org' })).json().error.code).toBe('DOMAIN_NOT_FOUND')
    })

    it.each([
      [{ host: 'sho.rt' }, 'INVALID_DOMAIN'],
      [{ host: 'not a host' }, 'INVALID_DOMAIN'],
      [{ host: 'https://go.example.net/' }, 'INVALID_DOMAIN'],
      [{ host: '-bad.example' }, 'INVALID_DOMAIN'],
      [{ host: `${'a'.repeat(64)}.example` }, 'INVALID_DOMAIN'],
      [{ host: 'x.example', extra: 1 }, 'VALIDATION_FAILED'],
      [{ host: 'a'.repeat(261) }, 'VALIDATION_FAILED'],
      [{}, 'VALIDATION_FAILED'],
    ])('refuses the domain %j with %s', async (payload, code) => {
      const res = await domains('POST', payload)
      expect(res.statusCode).toBe(400)
      expect(res.json().error.code).toBe(code)
    })

    it('keeps slugs unique per domain, resolves GET /:slug by the host, and short URLs carry their domain', async () => {
      const onDefault = await create({ url: 'https://example.org/default', slug: 'same' })
      expect(onDefault.statusCode).toBe(201)
      expect(onDefault.json()).toMatchObject({ shortUrl: 'https://sho.rt/same', domain: 'sho.rt' })
      const onOther = await create({ url: 'https://example.org/other', slug: 'same', domain: 'go.example.com' })
      expect(onOther.statusCode).toBe(201)
      expect(onOther.json()).toMatchObject({ shortUrl: 'https://go.example.com/same', domain: 'go.example.com' })
      expect((await create({ url: 'https://example.org/x', slug: 'same', domain: 'GO.example.com' })).json().error.code).toBe('SLUG_TAKEN')
      expect((await create({ url: 'https://example.org/x', slug: 'same' })).json().error.code).toBe('SLUG_TAKEN')
      // The default host named explicitly is the default domain.
      expect((await create({ url: 'https://example.org/x', slug: 'same', domain: 'sho.rt' })).json().error.code).toBe('SLUG_TAKEN')

      expect((await visit('sho.rt', '/same')).headers.location).toBe('https://example.org/default')
      expect((await visit('go.example.com', '/same')).headers.location).toBe('https://example.org/other')
      expect((await visit('GO.EXAMPLE.COM:443', '/same')).headers.location).toBe('https://example.org/other')
      // Each domain's link is read by the API with ?domain=, the default one without.
      expect((await svc.app.inject({ url: '/api/links/same?domain=go.example.com', headers: bearer(userKey) })).json().url).toBe('https://example.org/other')
      expect((await svc.app.inject({ url: '/api/links/same', headers: bearer(userKey) })).json().url).toBe('https://example.org/default')
      const qr = await svc.app.inject({ url: '/api/links/same/qr?format=svg&domain=go.example.com', headers: bearer(userKey) })
      expect(qr.statusCode).toBe(200)
    })

    it('answers 404 on a host that is neither the default nor an added domain, and believes X-Forwarded-Host only from a trusted proxy', async () => {
      await create({ url: 'https://example.org/only-other', slug: 'only-other', domain: 'go.example.com' })
      expect((await visit('unknown.example', '/same')).statusCode).toBe(404)
      expect((await visit('sho.rt', '/only-other')).statusCode).toBe(404)
      expect((await visit('go.example.com', '/only-other')).statusCode).toBe(302)
      // A client cannot pick the domain by sending the header itself…
      expect((await visit('sho.rt', '/only-other', { 'x-forwarded-host': 'go.example.com' })).statusCode).toBe(404)
      // …the trusted proxy can.
      expect((await visit('internal:8080', '/only-other', { 'x-forwarded-host': 'go.example.com', 'x-forwarded-for': '198.51.100.7' }, '10.0.0.1')).statusCode).toBe(302)
      expect((await visit('sho.rt', '/same', { host: '' })).statusCode).toBe(404)
      // The service's own paths hold on every domain.
      expect((await visit('go.example.com', '/healthz')).statusCode).toBe(200)
      expect((await create({ url: 'https://example.org/x', slug: 'dashboard', domain: 'go.example.com' })).json().error.code).toBe('SLUG_RESERVED')
    })

    it('refuses a link on an unknown domain, a link pointing at a short domain, and removing a domain links still use', async () => {
      const unknown = await create({ url: 'https://example.org/x', domain: 'nope.example' })
      expect(unknown.statusCode).toBe(400)
      expect(unknown.json().error.code).toBe('UNKNOWN_DOMAIN')
      expect((await create({ url: 'https://go.example.com/same' })).json().error.code).toBe('URL_SELF_REFERENCE')
      const inUse = await domains('DELETE', { host: 'go.example.com' })
      expect(inUse.statusCode).toBe(409)
      expect(inUse.json().error.code).toBe('DOMAIN_IN_USE')
      expect((await visit('go.example.com', '/same')).statusCode).toBe(302)
      for (const slug of ['same', 'only-other']) expect((await svc.app.inject({ method: 'DELETE', url: `/api/links/${slug}?domain=go.example.com`, headers: bearer(userKey) })).statusCode).toBe(204)
      expect((await domains('DELETE', { host: 'go.example.com' })).statusCode).toBe(204)
      expect((await visit('go.example.com', '/same')).statusCode).toBe(404)
      expect((await visit('sho.rt', '/same')).statusCode).toBe(302)
    })
  })
}
