import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

for (const dialect of DIALECTS) {
  describe(`link API on ${dialect}`, () => {
    let svc: TestService
    let userKey: string
    beforeAll(async () => {
      svc = await startTestService(dialect, { PUBLIC_URL: 'https://sho.rt' })
      userKey = await svc.addUser('user@example.com')
    })
    afterAll(() => svc.close())

    const post = (body: unknown, key = svc.adminKey) => svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(key), payload: body as object })

    it('creates a link with a random slug and returns the documented shape', async () => {
      const res = await post({ url: 'https://example.org/a?b=1' })
      expect(res.statusCode).toBe(201)
      const body = res.json()
      expect(body.slug).toMatch(/^[A-Za-z0-9]{7}$/)
      expect(body).toMatchObject({ url: 'https://example.org/a?b=1', shortUrl: `https://sho.rt/${body.slug}`, redirectStatus: 302, tags: [], maxClicks: null, expiresAt: null, clicks: 0 })
    })

    it('creates a link with a custom slug, expiry, limit, status and tags', async () => {
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString()
      const res = await post({ url: 'https://example.org/', slug: 'Promo_2026', expiresAt, maxClicks: 3, redirectStatus: 301, tags: ['spring', 'mail'] })
      expect(res.statusCode).toBe(201)
      expect(res.json()).toMatchObject({ slug: 'Promo_2026', expiresAt, maxClicks: 3, redirectStatus: 301, tags: ['spring', 'mail'] })
      const again = await post({ url: 'https://example.org/', slug: 'Promo_2026' })
      expect(again.statusCode).toBe(409)
      expect(again.json().error.code).toBe('SLUG_TAKEN')
    })

    it.each([
      [{ url: 'javascript:alert(1)' }, 'URL_SCHEME_NOT_ALLOWED'],
      [{ url: 'data:text/html,hi' }, 'URL_SCHEME_NOT_ALLOWED'],
      [{ url: 'file:///etc/passwd' }, 'URL_SCHEME_NOT_ALLOWED'],
      [{ url: 'ftp://example.org/' }, 'URL_SCHEME_NOT_ALLOWED'],
      [{ url: '/relative/path' }, 'INVALID_URL'],
      [{ url: 'https://exa mple.org' }, 'INVALID_URL'],
      [{ url: ' https://example.org' }, 'INVALID_URL'],
      [{ url: 'https://user:pw@example.org' }, 'INVALID_URL'],
      [{ url: `https://example.org/${'a'.repeat(2048)}` }, 'URL_TOO_LONG'],
      [{ url: 'https://sho.rt/abc' }, 'URL_SELF_REFERENCE'],
      [{ url: 'https://SHO.RT/abc' }, 'URL_SELF_REFERENCE'],
      // The listen address (127.0.0.1:3000 here) however it is spelt; never the request's Host.
      [{ url: 'http://localhost:3000/loop' }, 'URL_SELF_REFERENCE'],
      [{ url: 'http://[::ffff:127.0.0.1]:3000/loop' }, 'URL_SELF_REFERENCE'],
      [{ url: 'http://127.0.0.2:3000/loop' }, 'URL_SELF_REFERENCE'],
      [{ url: 'http://[::1]:3000/loop' }, 'URL_SELF_REFERENCE'],
      [{ url: 'https://example.org', slug: 'api' }, 'SLUG_RESERVED'],
      [{ url: 'https://example.org', slug: 'Dashboard' }, 'SLUG_RESERVED'],
      [{ url: 'https://example.org', slug: 'metrics' }, 'SLUG_RESERVED'],
      [{ url: 'https://example.org', slug: 'a/b' }, 'INVALID_SLUG'],
      [{ url: 'https://example.org', slug: 'é' }, 'INVALID_SLUG'],
      [{ url: 'https://example.org', slug: 'x'.repeat(65) }, 'INVALID_SLUG'],
      [{ url: 'https://example.org', slug: '' }, 'VALIDATION_FAILED'],
      [{ url: 'https://example.org', unknownField: 1 }, 'VALIDATION_FAILED'],
      [{ url: 'https://example.org', maxClicks: 0 }, 'VALIDATION_FAILED'],
      [{ url: 'https://example.org', maxClicks: 1.5 }, 'VALIDATION_FAILED'],
      [{ url: 'https://example.org', redirectStatus: 303 }, 'VALIDATION_FAILED'],
      [{ url: 'https://example.org', expiresAt: 'tomorrow' }, 'VALIDATION_FAILED'],
      [{ url: 'https://example.org', expiresAt: '2001-01-01T00:00:00Z' }, 'VALIDATION_FAILED'],
      [{ url: 'https://example.org', tags: ['<script>'] }, 'VALIDATION_FAILED'],
      [{ url: 42 }, 'VALIDATION_FAILED'],
      [{}, 'VALIDATION_FAILED'],
      [[], 'VALIDATION_FAILED'],
    ])('rejects %j with %s and writes nothing', async (body, code) => {
      const before = (await svc.linkprint.storage.links.listLinks({ limit: 1000 })).length
      const res = await post(body)
      expect(res.statusCode).toBeGreaterThanOrEqual(400)
      expect(res.statusCode).toBeLessThan(500)
      expect(res.json().error.code).toBe(code)
      expect((await svc.linkprint.storage.links.listLinks({ limit: 1000 })).length).toBe(before)
    })

    it.each([
      [{ url: 'https://example.org', redirectStatus: 303 }, 'body/redirectStatus must be one of 301, 302, 307, 308', [{ path: '/redirectStatus', message: 'must be one of 301, 302, 307, 308' }]],
      [{ url: 'https://example.org', maxClicks: 0 }, 'body/maxClicks must be >= 1 (or null)', [{ path: '/maxClicks', message: 'must be >= 1 (or null)' }]],
      [{ url: 'https://example.org', maxClicks: 'ten' }, 'body/maxClicks must be integer (or null)', [{ path: '/maxClicks', message: 'must be integer (or null)' }]],
      [{}, "body/url must have required property 'url'", [{ path: '/url', message: "must have required property 'url'" }]],
    ])('says once, per field, what is wrong with %j', async (body, message, details) => {
      const res = await post(body)
      expect(res.json().error).toEqual({ code: 'VALIDATION_FAILED', message, details })
    })

    it('answers malformed, oversized and non-JSON bodies with 4xx codes', async () => {
      const headers = { ...bearer(svc.adminKey), 'content-type': 'application/json' }
      const bad = await svc.app.inject({ method: 'POST', url: '/api/links', headers, payload: '{"url": ' })
      expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'INVALID_JSON'])
      const huge = await svc.app.inject({ method: 'POST', url: '/api/links', headers, payload: JSON.stringify({ url: 'https://example.org', pad: 'x'.repeat(100_000) }) })
      expect([huge.statusCode, huge.json().error.code]).toEqual([413, 'BODY_TOO_LARGE'])
      const text = await svc.app.inject({ method: 'POST', url: '/api/links', headers: { ...bearer(svc.adminKey), 'content-type': 'text/plain' }, payload: 'https://example.org' })
      expect([text.statusCode, text.json().error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE'])
      const proto = await svc.app.inject({ method: 'POST', url: '/api/links', headers, payload: '{"url":"https://example.org","__proto__":{"admin":true}}' })
      expect(proto.statusCode).toBe(400)
    })

    it('requires a valid key or token', async () => {
      expect((await svc.app.inject({ method: 'GET', url: '/api/links' })).json().error.code).toBe('UNAUTHORIZED')
      for (const authorization of ['Bearer lp_nope', 'Basic abc', 'Bearer ', `Bearer ${'x'.repeat(5000)}`, 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.']) {
        const res = await svc.app.inject({ method: 'GET', url: '/api/links', headers: { authorization } })
        expect(res.statusCode).toBe(401)
        expect(res.json().error.code).toBe('INVALID_TOKEN')
      }
      // A stranger learns nothing about a route's input rules: authentication comes before validation.
      for (const [method, url, payload] of [['POST', '/api/links', { url: 'not a url' }], ['GET', '/api/links/x/analytics?interval=fortnight', undefined], ['GET', '/api/analytics?from=yesterday', undefined], ['POST', '/api/auth/keys', { name: 7 }], ['GET', '/api/links/x/qr?size=5', undefined]] as const) {
        const res = await svc.app.inject({ method, url, payload })
        expect([url, res.statusCode, res.json().error.code]).toEqual([url, 401, 'UNAUTHORIZED'])
      }
    })

    it('logs in with a password, uses the token, and logout revokes it', async () => {
      const bad = await svc.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'admin@example.com', password: 'wrong' } })
      expect([bad.statusCode, bad.json().error.code]).toEqual([401, 'INVALID_CREDENTIALS'])
      const login = await svc.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'ADMIN@example.com', password: 'correct horse battery' } })
      expect(login.statusCode).toBe(200)
      const { token, sessionId, expiresIn } = login.json()
      expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(expiresIn).toBe(900)
      expect((await svc.app.inject({ method: 'GET', url: '/api/links', headers: bearer(token) })).statusCode).toBe(200)
      // A character in the middle of the signature: the last one may only carry padding bits.
      const at = token.lastIndexOf('.') + 10
      const tampered = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1)
      expect((await svc.app.inject({ method: 'GET', url: '/api/links', headers: bearer(tampered) })).statusCode).toBe(401)
      expect((await svc.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(token) })).statusCode).toBe(204)
      expect((await svc.app.inject({ method: 'GET', url: '/api/links', headers: bearer(token) })).statusCode).toBe(401)
    })

    it('shows users their own links only; admins may list all', async () => {
      const mine = await post({ url: 'https://example.org/mine', slug: 'users-own' }, userKey)
      expect(mine.statusCode).toBe(201)
      const theirs = await svc.app.inject({ method: 'GET', url: '/api/links/Promo_2026', headers: bearer(userKey) })
      expect([theirs.statusCode, theirs.json().error.code]).toEqual([404, 'LINK_NOT_FOUND'])
      const patch = await svc.app.inject({ method: 'PATCH', url: '/api/links/Promo_2026', headers: bearer(userKey), payload: { url: 'https://evil.example/' } })
      expect(patch.statusCode).toBe(404)
      const del = await svc.app.inject({ method: 'DELETE', url: '/api/links/Promo_2026', headers: bearer(userKey) })
      expect(del.statusCode).toBe(404)
      const list = await svc.app.inject({ method: 'GET', url: '/api/links', headers: bearer(userKey) })
      expect(list.json().links.map((l: { slug: string }) => l.slug)).toEqual(['users-own'])
      const all = await svc.app.inject({ method: 'GET', url: '/api/links?all=true', headers: bearer(svc.adminKey) })
      expect(all.json().links.map((l: { slug: string }) => l.slug)).toContain('users-own')
      expect((await svc.app.inject({ method: 'GET', url: '/api/links/users-own', headers: bearer(svc.adminKey) })).statusCode).toBe(200)
    })

    it('paginates with an opaque cursor and rejects a forged one', async () => {
      for (let i = 0; i < 5; i++) await post({ url: `https://example.org/${i}`, tags: ['paged'] })
      const first = await svc.app.inject({ method: 'GET', url: '/api/links?limit=3&tag=paged', headers: bearer(svc.adminKey) })
      const page1 = first.json()
      expect(page1.links).toHaveLength(3)
      const second = (await svc.app.inject({ method: 'GET', url: `/api/links?limit=3&tag=paged&cursor=${page1.nextCursor}`, headers: bearer(svc.adminKey) })).json()
      expect(second.links).toHaveLength(2)
      expect(second.nextCursor).toBeNull()
      const forged = await svc.app.inject({ method: 'GET', url: '/api/links?cursor=bm9wZQ', headers: bearer(svc.adminKey) })
      expect([forged.statusCode, forged.json().error.code]).toEqual([400, 'INVALID_CURSOR'])
      const tooMany = await svc.app.inject({ method: 'GET', url: '/api/links?limit=100000', headers: bearer(svc.adminKey) })
      expect(tooMany.json().error.code).toBe('VALIDATION_FAILED')
    })

    it('updates and deletes a link, and the redirect follows at once', async () => {
      await post({ url: 'https://example.org/old', slug: 'moving' })
      expect((await svc.app.inject({ method: 'GET', url: '/moving', headers: { host: 'sho.rt' } })).headers.location).toBe('https://example.org/old')
      const patched = await svc.app.inject({ method: 'PATCH', url: '/api/links/moving', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/new', tags: ['moved'] } })
      expect(patched.json()).toMatchObject({ url: 'https://example.org/new', tags: ['moved'] })
      expect((await svc.app.inject({ method: 'GET', url: '/moving', headers: { host: 'sho.rt' } })).headers.location).toBe('https://example.org/new')
      const empty = await svc.app.inject({ method: 'PATCH', url: '/api/links/moving', headers: bearer(svc.adminKey), payload: {} })
      expect(empty.statusCode).toBe(400)
      expect(empty.json().error.message).toBe('body must name at least one field')
      const slugChange = await svc.app.inject({ method: 'PATCH', url: '/api/links/moving', headers: bearer(svc.adminKey), payload: { slug: 'other' } })
      expect(slugChange.statusCode).toBe(400)
      expect((await svc.app.inject({ method: 'DELETE', url: '/api/links/moving', headers: bearer(svc.adminKey) })).statusCode).toBe(204)
      expect((await svc.app.inject({ method: 'GET', url: '/moving', headers: { host: 'sho.rt' } })).statusCode).toBe(404)
      expect((await svc.app.inject({ method: 'DELETE', url: '/api/links/moving', headers: bearer(svc.adminKey) })).statusCode).toBe(404)
    })

    it('answers unknown API routes with a JSON 404', async () => {
      const res = await svc.app.inject({ method: 'GET', url: '/api/nothing', headers: bearer(svc.adminKey) })
      expect([res.statusCode, res.json().error.code]).toEqual([404, 'ROUTE_NOT_FOUND'])
    })
  })
}
