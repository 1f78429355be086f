import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

const css = readFileSync(new URL('../../dashboard/dashboard.css', import.meta.url), 'utf8')
// Written out here rather than imported, so a loosened policy fails this test.
const EXPECTED_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(css).digest('base64')}'`,
  "script-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ')

/** The page is the same on every dialect: it holds no data, the API it calls is tested elsewhere. */
describe('dashboard page', () => {
  let svc: TestService
  beforeAll(async () => {
    svc = await startTestService('sqlite', { GEOIP_DB: 'off' })
    await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/secret-target', slug: 'secretlink', tags: ['private-tag'] } })
  })
  afterAll(() => svc.close())

  it('has a favicon, on its own page and at /favicon.ico, that is an image and nothing else', async () => {
    for (const url of ['/dashboard-assets/favicon.svg', '/favicon.ico']) {
      const res = await svc.app.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(200)
      expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/)
      expect(res.headers['content-security-policy']).toBe("default-src 'none'")
      expect(res.body).toMatch(/^<svg /)
      expect(res.body).not.toMatch(/<script|on\w+=/i)
    }
    expect((await svc.app.inject({ method: 'GET', url: '/dashboard' })).body).toContain('<link rel="icon" type="image/svg+xml" href="/dashboard-assets/favicon.svg">')
  })

  it('serves the shell to anyone, under a strict CSP, with no data and no inline script', async () => {
    const res = await svc.app.inject({ method: 'GET', url: '/dashboard' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.headers['content-security-policy']).toBe(EXPECTED_CSP)
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['x-frame-options']).toBe('DENY')
    expect(res.headers['referrer-policy']).toBe('no-referrer')
    expect(res.headers['set-cookie']).toBeUndefined()
    const html = res.body
    expect(html).toMatch(/^<!doctype html>/)
    // The only script is the page's own file; no handler attributes, no javascript: URLs.
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script src="/dashboard-assets/dashboard.js" defer>'])
    expect(html).not.toMatch(/<script>|\son[a-z]+=|javascript:/i)
    // The inline stylesheet is exactly the one the CSP names.
    expect(html).toContain(`<style>${css}</style>`)
    for (const id of ['signin-form', 'link-form', 'links-body', 'chart', 'export-csv']) expect(html).toContain(`id="${id}"`)
    expect(html).toContain('Browser unique')
    expect(html).toContain('Device unique')
    // Nothing from the database is in the page: data comes only through the API, with a token.
    expect(html).not.toContain('secretlink')
    expect(html).not.toContain('secret-target')
    expect(html).not.toContain('private-tag')
    expect(html).not.toContain('<!--style-->')
  })

  it('answers /dashboard/ the same, and a token or a query string changes nothing', async () => {
    const plain = await svc.app.inject({ method: 'GET', url: '/dashboard' })
    for (const res of [
      await svc.app.inject({ method: 'GET', url: '/dashboard/' }),
      await svc.app.inject({ method: 'GET', url: '/dashboard', headers: bearer(svc.adminKey) }),
      await svc.app.inject({ method: 'GET', url: `/dashboard?token=${svc.adminKey}` }),
    ]) {
      expect(res.statusCode).toBe(200)
      expect(res.body).toBe(plain.body)
      expect(res.headers['content-security-policy']).toBe(EXPECTED_CSP)
    }
    expect((await svc.app.inject({ method: 'HEAD', url: '/dashboard' })).statusCode).toBe(200)
  })

  it('carries the geo database credit, escaped, for the script to show beside countries', async () => {
    const html = (await svc.app.inject({ method: 'GET', url: '/dashboard' })).body
    expect(html).toMatch(/<p id="geo-credit" class="muted" hidden>[^<]*DB-IP[^<]*<\/p>/)
  })

  it('serves the script as JavaScript from this origin', async () => {
    const res = await svc.app.inject({ method: 'GET', url: '/dashboard-assets/dashboard.js' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.body).toContain("sessionStorage.getItem(TOKEN_KEY)")
    expect(res.body).toContain('`Bearer ${token}`')
    // The script never parses HTML; the CSP's Trusted Types would refuse it in Chromium anyway.
    expect(res.body).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/)
  })

  it('answers unknown dashboard files with the stable JSON error', async () => {
    for (const url of ['/dashboard-assets/nope.js', '/dashboard-assets/dashboard.css', '/dashboard-assets/dashboard.js.map', '/dashboard-assets/a/b']) {
      const res = await svc.app.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(404)
      expect(res.headers['content-type']).toMatch(/^application\/json/)
      expect(res.json()).toEqual({ error: { code: 'ROUTE_NOT_FOUND', message: expect.any(String) } })
    }
  })
})
