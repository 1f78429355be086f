import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { bridgePage } from '../../src/bridge/bridge-page.js'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
/** What Firefox sends when a person clicks a short link in a web mail. */
const NAVIGATION = {
  'user-agent': FIREFOX,
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'accept-language': 'it-IT,it;q=0.9',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
  referer: 'https://mail.example.net/inbox/42',
}
const SDK = { 'x-device-fingerprint': 'D'.repeat(43), 'x-browser-fingerprint': 'B'.repeat(43), 'x-timezone': 'Europe/Rome' }
/** The page's own click: same origin, JSON, the SDK's headers; its referrer is the page. */
const PAGE_CLICK = { 'user-agent': FIREFOX, accept: 'application/json', 'accept-language': 'it-IT,it;q=0.9', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', ...SDK }
const TOKEN = /\?bridge=([A-Za-z0-9._-]+)"/

/**
 * The first-contact bridge at the HTTP level (docs/bridge.md): which requests get the page
 * and which the plain redirect, and the one click each visit records, whichever of the
 * page's click, its fallback link and the deadline comes first. PRIVACY_MODE=full,
 * REDIRECT_MODE=bridge, a 1-second deadline.
 */
for (const dialect of DIALECTS) {
  describe(`the bridge on ${dialect}`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect, { PRIVACY_MODE: 'full', REDIRECT_MODE: 'bridge', BRIDGE_DEADLINE_MS: '1000', GEOIP_DB: 'off' })
    }, 60_000)
    afterAll(() => svc?.close())

    async function link(slug: string, body: Record<string, unknown> = {}) {
      const res = await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/target?a=1&b=2', slug, ...body } })
      expect(res.statusCode).toBe(201)
      return res.json()
    }
    const visit = (url: string, headers: Record<string, string | undefined> = NAVIGATION, method: 'GET' | 'HEAD' = 'GET') =>
      svc.app.inject({ method, url, headers: Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string> })
    const rows = async (slug: string) => {
      await svc.linkprint.writer.flush()
      const stored = (await svc.linkprint.storage.links.findLinkBySlug(slug))!
      return svc.linkprint.storage.clicks.clicksPage(stored.id, {}, 0, 100)
    }
    async function page(slug: string) {
      const res = await visit(`/${slug}`)
      expect(res.statusCode).toBe(200)
      return { res, token: TOKEN.exec(res.body)![1]! }
    }

    it('keeps a link\'s redirectMode through the API: bridge, direct or null (the server\'s), and refuses any other value', async () => {
      expect(await link('api-mode', { redirectMode: 'bridge' })).toMatchObject({ redirectMode: 'bridge' })
      expect(await link('api-default')).toMatchObject({ redirectMode: null })
      const patched = await svc.app.inject({ method: 'PATCH', url: '/api/links/api-mode', headers: bearer(svc.adminKey), payload: { redirectMode: 'direct' } })
      expect(patched.json()).toMatchObject({ redirectMode: 'direct' })
      const cleared = await svc.app.inject({ method: 'PATCH', url: '/api/links/api-mode', headers: bearer(svc.adminKey), payload: { redirectMode: null } })
      expect(cleared.json()).toMatchObject({ redirectMode: null })
      expect((await svc.app.inject({ url: '/api/links/api-mode', headers: bearer(svc.adminKey) })).json()).toMatchObject({ redirectMode: null })
      for (const bad of ['sideways', 'BRIDGE', 302, true, '']) {
        const res = await svc.app.inject({ method: 'PATCH', url: '/api/links/api-mode', headers: bearer(svc.adminKey), payload: { redirectMode: bad } })
        expect(res.statusCode).toBe(400)
        expect(res.json().error.code).toBe('VALIDATION_FAILED')
        expect(res.json().error.message).toContain('redirectMode')
      }
      const refused = await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/', redirectMode: 'sideways' } })
      expect(refused.statusCode).toBe(400)
    })

    it('serves a new browser\'s navigation a small, locked-down page and records nothing yet', async () => {
      await link('page')
      const { res } = await page('page')
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin')
      expect(res.headers['set-cookie']).toBeUndefined()
      const csp = String(res.headers['content-security-policy'])
      expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]{44}'/)
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).toContain("default-src 'none'")
      expect(csp).not.toContain('unsafe')
      // The target, escaped; no external resource: the only URLs are the target and the page's own fallback.
      expect(res.body).toContain('data-target="https://example.org/target?a=1&amp;b=2"')
      expect(res.body).not.toMatch(/src="|<link /)
      expect(res.body).toMatch(/<noscript><meta http-equiv="refresh" content="0;url=\/page\?bridge=[^"]+"><\/noscript>/)
      expect(await rows('page')).toHaveLength(0)
    })

    it('gives the plain redirect, recorded at once, to everyone the bridge is not for', async () => {
      await link('plain-direct', { redirectMode: 'direct' })
      await link('plain')
      const cases: Array<[string, string, Record<string, string | undefined>, 'GET' | 'HEAD']> = [
        ['the link says direct', '/plain-direct', NAVIGATION, 'GET'],
        ['HEAD', '/plain', NAVIGATION, 'HEAD'],
        ['a client that does not ask for HTML', '/plain', { ...NAVIGATION, accept: '*/*' }, 'GET'],
        ['a fetch() from a page', '/plain', { ...NAVIGATION, 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' }, 'GET'],
        ['an iframe', '/plain', { ...NAVIGATION, 'sec-fetch-dest': 'iframe' }, 'GET'],
        ['a prefetch', '/plain', { ...NAVIGATION, 'sec-purpose': 'prefetch' }, 'GET'],
        ['Do Not Track', '/plain', { ...NAVIGATION, dnt: '1' }, 'GET'],
        ['Global Privacy Control', '/plain', { ...NAVIGATION, 'sec-gpc': '1' }, 'GET'],
        ['a link preview', '/plain', { ...NAVIGATION, 'user-agent': 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)' }, 'GET'],
        ['a crawler', '/plain', { ...NAVIGATION, 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }, 'GET'],
        ['no user agent', '/plain', { ...NAVIGATION, 'user-agent': undefined }, 'GET'],
      ]
      for (const [why, url, headers, method] of cases) {
        const res = await visit(url, headers, method)
        expect(res.statusCode, why).toBe(302)
        expect(res.headers.location, why).toBe('https://example.org/target?a=1&b=2')
      }
      expect(await rows('plain-direct')).toHaveLength(1)
      expect(await rows('plain')).toHaveLength(cases.length - 1)

      // A browser holding its cookie: the engine knows it already.
      const first = await visit('/plain', { ...NAVIGATION, accept: '*/*' })
      const cookie = String(first.headers['set-cookie']).split(';')[0]!
      const back = await visit('/plain', { ...NAVIGATION, cookie })
      expect(back.statusCode).toBe(302)
      // A forged cookie is no cookie: the page.
      expect((await visit('/plain', { ...NAVIGATION, cookie: `${cookie.slice(0, -3)}xyz` })).statusCode).toBe(200)
    })

    it('records the page\'s own click once, with the SDK signals, the visitor\'s referrer and a cookie; the fallback after it records nothing', async () => {
      await link('sdk-first', { redirectStatus: 307 })
      const { token } = await page('sdk-first')
      const click = await visit(`/sdk-first?bridge=${token}`, PAGE_CLICK)
      expect(click.statusCode).toBe(200)
      expect(click.json()).toEqual({ url: 'https://example.org/target?a=1&b=2', status: 307 })
      expect(String(click.headers['set-cookie'])).toMatch(/^device_fp=/)
      const again = await visit(`/sdk-first?bridge=${token}`, { ...NAVIGATION, referer: 'http://localhost/sdk-first' })
      expect(again.statusCode).toBe(307)
      expect(again.headers.location).toBe('https://example.org/target?a=1&b=2')
      expect(again.headers['set-cookie']).toBeUndefined()
      const stored = await rows('sdk-first')
      expect(stored).toHaveLength(1)
      expect(stored[0]).toMatchObject({ sdk_device_hash: SDK['x-device-fingerprint'], identity_source: 'client_header', referrer_host: 'mail.example.net', is_bot: 0 })
    })

    it('records the fallback link\'s plain click once; the page\'s click after it records nothing and still answers', async () => {
      await link('fallback-first')
      const { token } = await page('fallback-first')
      const plain = await visit(`/fallback-first?bridge=${token}`, { ...NAVIGATION, referer: 'http://localhost/fallback-first' })
      expect(plain.statusCode).toBe(302)
      expect(String(plain.headers['set-cookie'])).toMatch(/^device_fp=/)
      const click = await visit(`/fallback-first?bridge=${token}`, PAGE_CLICK)
      expect(click.json()).toEqual({ url: 'https://example.org/target?a=1&b=2', status: 302 })
      const stored = await rows('fallback-first')
      expect(stored).toHaveLength(1)
      expect(stored[0]).toMatchObject({ sdk_device_hash: null, referrer_host: 'mail.example.net' })
    })

    it('records the held request\'s plain click at the deadline when nothing came back (the tab was closed), with its own time and headers', async () => {
      await link('closed')
      const before = Date.now()
      const { token } = await page('closed')
      const after = Date.now()
      await vi.waitFor(async () => expect(await rows('closed')).toHaveLength(1), { timeout: 10_000, interval: 100 })
      const [held] = await rows('closed')
      expect(Number(held!.ts)).toBeGreaterThanOrEqual(before)
      expect(Number(held!.ts)).toBeLessThanOrEqual(after)
      expect(held).toMatchObject({ referrer_host: 'mail.example.net', sdk_device_hash: null, is_bot: 0 })
      // The page's click arriving late records nothing more.
      expect((await visit(`/closed?bridge=${token}`, PAGE_CLICK)).statusCode).toBe(200)
      expect(await rows('closed')).toHaveLength(1)
    })

    it('never stores a javascript: target, and shows a stored target\'s quotes and brackets escaped', async () => {
      const refused = await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'javascript:alert(1)', slug: 'js' } })
      expect(refused.statusCode).toBe(400)
      await link('hostile', { url: `https://example.org/a"b'c<d>?q="</script><script>alert(1)</script>` })
      const { res } = await page('hostile')
      const target = /data-target="([^"]*)"/.exec(res.body)![1]!
      expect(target).not.toMatch(/[<>'"]/)
      expect(res.body.match(/<script>/g)).toHaveLength(1)
      expect(res.body).not.toContain('alert(1)</script>')
    })

    it('ignores a forged token, or another link\'s: the request is an ordinary one', async () => {
      await link('forged')
      await link('other')
      const { token } = await page('other')
      const mine = await page('forged')
      const tampered = mine.token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))
      for (const bad of [token, tampered, 'x', `${mine.token}.extra`]) {
        const res = await visit(`/forged?bridge=${encodeURIComponent(bad)}`, PAGE_CLICK)
        expect(res.statusCode).toBe(200)
      }
      // Four ordinary SDK clicks; the page's held visit is still open.
      expect(await rows('forged')).toHaveLength(4)
      expect((await visit(`/forged?bridge=${mine.token}`, PAGE_CLICK)).statusCode).toBe(200)
      expect(await rows('forged')).toHaveLength(5)
    })

    it('keeps a click limit: two pages open at once, one click left, the second visit is refused', async () => {
      await link('limited', { maxClicks: 1 })
      const one = await page('limited')
      const two = await page('limited')
      expect((await visit(`/limited?bridge=${one.token}`, PAGE_CLICK)).statusCode).toBe(200)
      const refused = await visit(`/limited?bridge=${two.token}`, PAGE_CLICK)
      expect(refused.statusCode).toBe(410)
      expect(refused.json().error.code).toBe('LINK_EXHAUSTED')
      // The page then follows its fallback link: the server's own 410 page, nothing recorded.
      expect((await visit(`/limited?bridge=${two.token}`)).statusCode).toBe(410)
      // A third browser gets no page for a spent link: the 410 at once.
      expect((await visit('/limited')).statusCode).toBe(410)
      expect(await rows('limited')).toHaveLength(1)
    })

    it('flags a bot that passed for a browser when its held click is settled, as the pipeline would have', async () => {
      await link('held-bot')
      const { token } = await page('held-bot')
      // The fallback from a client whose headers give it away as a script: a bot, stored and flagged, not counted.
      const res = await visit(`/held-bot?bridge=${token}`, { 'user-agent': FIREFOX, accept: '*/*' })
      expect(res.statusCode).toBe(302)
      const stored = await rows('held-bot')
      expect(stored).toHaveLength(1)
      expect(stored[0]).toMatchObject({ is_bot: 1 })
    })
  })
}

describe('the bridge page', () => {
  it('escapes whatever a target could hold, and inlines only its own script', () => {
    const hostile = `https://example.org/"><script>alert(1)</script>'&x=</script>`
    const body = bridgePage({ slug: 's', token: 't"<', target: hostile }, 'void 0')
    expect(body).not.toContain('<script>alert')
    expect(body).not.toContain('"><script>alert')
    expect(body).toContain('data-target="https://example.org/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39;&amp;x=&lt;/script&gt;"')
    expect(body.match(/<script>/g)).toHaveLength(1)
  })
})

describe('REDIRECT_MODE and PRIVACY_MODE', () => {
  for (const [env, why] of [[{ PRIVACY_MODE: 'balanced', REDIRECT_MODE: 'bridge' }, 'balanced'], [{ PRIVACY_MODE: 'strict', REDIRECT_MODE: 'bridge' }, 'strict'], [{ PRIVACY_MODE: 'full' }, 'the default, direct']] as const) {
    it(`gives the plain redirect under ${why}`, async () => {
      const svc = await startTestService('sqlite', { ...env, GEOIP_DB: 'off' })
      try {
        await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/', slug: 'm' } })
        expect((await svc.app.inject({ url: '/m', headers: NAVIGATION })).statusCode).toBe(302)
      } finally {
        await svc.close()
      }
    }, 60_000)
  }

  it('bridges a link that says bridge on a direct server', async () => {
    const svc = await startTestService('sqlite', { PRIVACY_MODE: 'full', GEOIP_DB: 'off' })
    try {
      await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/', slug: 'b', redirectMode: 'bridge' } })
      expect((await svc.app.inject({ url: '/b', headers: NAVIGATION })).statusCode).toBe(200)
      // Stopping the service settles the held click: recorded, not lost.
      await svc.app.close()
      await svc.linkprint.writer.flush()
      const stored = (await svc.linkprint.storage.links.findLinkBySlug('b'))!
      expect(await svc.linkprint.storage.clicks.clicksPage(stored.id, {}, 0, 10)).toHaveLength(1)
    } finally {
      await svc.linkprint.close()
      await svc.db.drop()
    }
  }, 60_000)

  it('refuses an unknown REDIRECT_MODE at start', async () => {
    const { loadConfig } = await import('../../src/config/config.js')
    expect(() => loadConfig({ REDIRECT_MODE: 'sometimes' })).toThrow(/REDIRECT_MODE must be one of direct, bridge/)
  })
})
