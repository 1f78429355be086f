import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RouteMethods } from '../../src/http/route-methods.js'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

describe('RouteMethods', () => {
  const routes = new RouteMethods()
  routes.add(['GET', 'HEAD'], '/api/links/:slug')
  routes.add('DELETE', '/api/links/:slug')
  routes.add('GET', '/api/links/:slug/stats')
  routes.add('GET', '/sdk/*')
  routes.add('GET', '/:slug')

  it('matches a parameter as one segment, a wildcard as the rest, a trailing slash ignored', () => {
    expect(routes.allowed('/api/links/abc')).toEqual(['DELETE', 'GET', 'HEAD'])
    expect(routes.allowed('/api/links/abc/?x=1')).toEqual(['DELETE', 'GET', 'HEAD'])
    expect(routes.allowed('/api/links/abc/stats')).toEqual(['GET', 'HEAD'])
    expect(routes.allowed('/api/links/a/b/stats')).toEqual([])
    expect(routes.allowed('/sdk/linkprint.js')).toEqual(['GET', 'HEAD'])
  })

  it('leaves out routes whose first segment is a parameter (the redirect catch-all)', () => {
    expect(routes.allowed('/anything')).toEqual([])
  })
})

for (const dialect of DIALECTS) {
  describe(`405 Method Not Allowed on ${dialect}`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect)
      await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/', slug: 'x' } })
    })
    afterAll(() => svc.close())

    it.each([
      ['DELETE', '/api/links/x/stats', 'GET, HEAD'],
      ['PUT', '/api/links/x', 'DELETE, GET, HEAD, PATCH'],
      ['DELETE', '/api/links', 'GET, HEAD, POST'],
      ['GET', '/api/auth/login', 'POST'],
      ['GET', '/api/auth/refresh', 'POST'],
      ['PATCH', '/api/links/x/stats/', 'GET, HEAD'],
    ])('%s %s answers 405 with Allow: %s', async (method, url, allow) => {
      const res = await svc.app.inject({ method: method as 'GET', url, headers: bearer(svc.adminKey) })
      expect(res.statusCode).toBe(405)
      expect(res.headers.allow).toBe(allow)
      expect(res.json().error.code).toBe('METHOD_NOT_ALLOWED')
    })

    it('answers a wrong method on the service\'s own pages with 405 too', async () => {
      const res = await svc.app.inject({ method: 'POST', url: '/healthz' })
      expect(res.statusCode).toBe(405)
      expect(res.headers.allow).toContain('GET')
    })

    it('leaves POST /<anything> a 404: GET /:slug is a catch-all, not a resource at every path', async () => {
      for (const url of ['/anything', '/x']) {
        const res = await svc.app.inject({ method: 'POST', url })
        expect(res.statusCode).toBe(404)
        expect(res.headers.allow).toBeUndefined()
      }
      expect((await svc.app.inject({ method: 'GET', url: '/x' })).statusCode).toBe(302)
    })

    it('keeps 404 for paths no route matches under any method', async () => {
      const res = await svc.app.inject({ method: 'DELETE', url: '/api/nothing/here', headers: bearer(svc.adminKey) })
      expect([res.statusCode, res.json().error.code]).toEqual([404, 'ROUTE_NOT_FOUND'])
    })
  })
}
