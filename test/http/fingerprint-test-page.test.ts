import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_PAGE_CSP, testPage } from '../../src/http/fingerprint-test-page.js'
import { browserScripts } from '../../src/sdk/browser-scripts.js'
import { startTestService, type TestService } from '../helpers/test-service.js'

const PATH = '/dashboard/test-enhanced-fingerprint'
const HOSTILE = '"><script>alert(1)</script>'

describe('the enhanced fingerprint test page', () => {
  let svc: TestService
  beforeAll(async () => {
    svc = await startTestService('sqlite', { PRIVACY_MODE: 'full' })
  })
  afterAll(() => svc.close())

  it('is served to anyone under a strict CSP: its own script and the versioned SDK, one hashed stylesheet, nothing inline', async () => {
    const { sdk, testPage: script } = await browserScripts()
    const res = await svc.app.inject({ url: `${PATH}?link=my-link` })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.headers['content-security-policy']).toBe(TEST_PAGE_CSP)
    expect(TEST_PAGE_CSP).toContain("default-src 'none'")
    expect(TEST_PAGE_CSP).toContain("script-src 'self'")
    expect(TEST_PAGE_CSP).not.toContain('unsafe')
    expect(res.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' })
    const html = res.body
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])
    expect(scripts).toEqual([
      `<script src="/sdk/linkprint.js?v=${sdk.version}" data-consent="required" data-intercept defer>`,
      `<script src="/dashboard/test-enhanced-fingerprint.js?v=${script.version}" defer>`,
    ])
    expect(html).not.toMatch(/<script[^>]*>[^<]/)
    expect(html).not.toMatch(/\son[a-z]+=/i)
    // The one inline stylesheet is the one the CSP names by hash.
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!
    expect(TEST_PAGE_CSP).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`)
    expect(html).toContain('value="my-link"')
    expect(html).toContain('<a id="follow-link" data-linkprint href="/my-link">')
    expect(html).toContain('PRIVACY_MODE=full')

    const js = await svc.app.inject({ url: `/dashboard/test-enhanced-fingerprint.js?v=${script.version}` })
    expect(js.headers).toMatchObject({ 'content-type': 'text/javascript; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=31536000, immutable' })
    expect(js.body).toBe(script.code)
  })

  it('refuses a link that is not a slug and unknown parameters, with a stable code, never echoing them', async () => {
    for (const query of [`link=${encodeURIComponent(HOSTILE)}`, `link=${'a'.repeat(65)}`, 'link=', 'other=1', `link=a&link=b`]) {
      const res = await svc.app.inject({ url: `${PATH}?${query}` })
      expect(res.statusCode, query).toBe(400)
      expect(res.json().error.code).toBe('VALIDATION_FAILED')
      expect(res.body).not.toContain('<script>')
    }
    expect((await svc.app.inject({ url: `/dashboard/test-enhanced-fingerprint.js?v=${encodeURIComponent(HOSTILE)}` })).json().error.code).toBe('VALIDATION_FAILED')
  })

  it('registers its own paths only: /dashboard/anything-else is not its page', async () => {
    const other = await svc.app.inject({ url: '/dashboard/test-enhanced-fingerprint-other' })
    expect(other.body).not.toContain('Enhanced fingerprint test')
  })

  it('escapes everything it renders', () => {
    const html = testPage({ sdkSrc: `/sdk/linkprint.js?v=${HOSTILE}`, scriptSrc: HOSTILE, privacyMode: HOSTILE as never, link: HOSTILE })
    expect(html).not.toContain('<script>alert(1)')
    expect(html.match(/<script\b/g)).toHaveLength(2)
    expect(html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;')
  })

  it('says so when the SDK headers do not count', () => {
    expect(testPage({ sdkSrc: '/s.js', scriptSrc: '/p.js', privacyMode: 'balanced', link: null })).toContain('PRIVACY_MODE=balanced')
  })
})
