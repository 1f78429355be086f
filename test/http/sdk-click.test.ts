import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
const SDK = { 'x-device-fingerprint': 'D'.repeat(43), 'x-browser-fingerprint': 'B'.repeat(43), 'x-timezone': 'Europe/Rome' }
const JSON_ACCEPT = { accept: 'application/json' }

/**
 * The SDK click: `GET /:slug` with `Accept: application/json` is the same click as the
 * redirect — same pipeline, same stored row, same cookie — answered `200 {url, status}`
 * so that the SDK can navigate with its headers counted. PRIVACY_MODE=full, where the SDK
 * headers count on clicks.
 */
for (const dialect of DIALECTS) {
  describe(`SDK clicks on ${dialect}`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect, { PRIVACY_MODE: 'full' })
    })
    afterAll(() => svc.close())

    async function link(body: Record<string, unknown>) {
      const res = await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/target', ...body } })
      expect(res.statusCode).toBe(201)
    }
    const visit = (slug: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') =>
      svc.app.inject({ method, url: `/${slug}`, headers: { 'user-agent': FIREFOX, 'accept-language': 'it-IT,it;q=0.9', ...headers } })
    const rows = async (slug: string) => {
      await svc.linkprint.writer.flush()
      const stored = (await svc.linkprint.storage.links.findLinkBySlug(slug))!
      return svc.linkprint.storage.clicks.clicksPage(stored.id, {}, 0, 100)
    }
    const stats = async (slug: string) => {
      await svc.linkprint.writer.flush()
      return (await svc.app.inject({ url: `/api/links/${slug}/stats`, headers: bearer(svc.adminKey) })).json()
    }

    it('answers {url, status} for the click a redirect would record, with the same row and cookie', async () => {
      await link({ slug: 'sdk-json', redirectStatus: 307 })
      await link({ slug: 'sdk-plain' })
      const json = await visit('sdk-json', { ...JSON_ACCEPT, ...SDK })
      expect(json.statusCode).toBe(200)
      expect(json.headers['content-type']).toContain('application/json')
      expect(json.headers['cache-control']).toBe('no-store')
      expect(json.headers.location).toBeUndefined()
      expect(json.json()).toEqual({ url: 'https://example.org/target', status: 307 })
      const cookie = String(json.headers['set-cookie'])
      expect(cookie).toMatch(/^device_fp=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}; .*HttpOnly; SameSite=Lax/)

      // The same request as a navigation records the same row (but for its own ids and time).
      const plain = await visit('sdk-plain', { accept: 'text/html', ...SDK })
      expect(plain.statusCode).toBe(302)
      const [a] = await rows('sdk-json')
      const [b] = await rows('sdk-plain')
      const comparable = (r: typeof a) => ({ ...r, id: 0, link_id: 0, ts: 0, browser_id: '', device_id: '', fingerprint_id: '', legacy_id: '', session_hash: '', signals: '', confidence: 0 })
      expect(comparable(a!)).toEqual(comparable(b!))
      expect(a).toMatchObject({ identity_source: 'client_header', sdk_device_hash: SDK['x-device-fingerprint'], sdk_browser_hash: SDK['x-browser-fingerprint'], is_bot: 0 })

      // The cookie the JSON answer set is this browser's: a later redirect is the same browser.
      await visit('sdk-json', { cookie: cookie.split(';')[0]!, ...SDK })
      expect(await stats('sdk-json')).toMatchObject({ clicks: 2, browserUniqueClicks: 1, deviceUniqueClicks: 1 })
    })

    it('answers 404 and 410 as JSON errors, without recording', async () => {
      const unknown = await visit('no-such-link', JSON_ACCEPT)
      expect(unknown.statusCode).toBe(404)
      expect(unknown.json()).toEqual({ error: { code: 'LINK_NOT_FOUND', message: expect.any(String) } })
      expect((await visit('bad%20slug', JSON_ACCEPT)).json().error.code).toBe('LINK_NOT_FOUND')

      await link({ slug: 'sdk-limited', maxClicks: 1 })
      expect((await visit('sdk-limited', JSON_ACCEPT)).statusCode).toBe(200)
      const exhausted = await visit('sdk-limited', JSON_ACCEPT)
      expect(exhausted.statusCode).toBe(410)
      expect(exhausted.json().error.code).toBe('LINK_EXHAUSTED')
      // The plain navigation still gets its page.
      expect((await visit('sdk-limited')).headers['content-type']).toContain('text/html')

      await link({ slug: 'sdk-soon', expiresAt: new Date(Date.now() + 150).toISOString() })
      await new Promise((r) => setTimeout(r, 200))
      const expired = await visit('sdk-soon', JSON_ACCEPT)
      expect(expired.statusCode).toBe(410)
      expect(expired.json().error.code).toBe('LINK_EXPIRED')
      expect(await stats('sdk-limited')).toMatchObject({ clicks: 1 })
      expect(await rows('sdk-soon')).toHaveLength(0)
    })

    it('still flags bots, and HEAD keeps the redirect answer', async () => {
      await link({ slug: 'sdk-bots' })
      const bot = await visit('sdk-bots', { ...JSON_ACCEPT, 'user-agent': 'curl/8.5.0' })
      expect(bot.statusCode).toBe(200)
      expect(bot.json()).toEqual({ url: 'https://example.org/target', status: 302 })
      expect(bot.headers['set-cookie']).toBeUndefined()
      const head = await visit('sdk-bots', JSON_ACCEPT, 'HEAD')
      expect(head.statusCode).toBe(302)
      expect(head.headers.location).toBe('https://example.org/target')
      expect(head.body).toBe('')
      expect(await stats('sdk-bots')).toMatchObject({ clicks: 0, botClicks: 2 })
    })

    it('answers JSON only to exactly Accept: application/json: a browser navigation is a redirect', async () => {
      await link({ slug: 'sdk-accept' })
      for (const accept of ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', '*/*', 'application/json, text/plain', 'APPLICATION/JSON']) {
        expect((await visit('sdk-accept', { accept })).statusCode).toBe(302)
      }
    })
  })
}

describe('SDK clicks under PRIVACY_MODE=balanced', () => {
  let svc: TestService
  beforeAll(async () => {
    svc = await startTestService('sqlite')
  })
  afterAll(() => svc.close())

  it('record the click but not the SDK hashes, which count only under full', async () => {
    await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/b', slug: 'balanced' } })
    const res = await svc.app.inject({ url: '/balanced', headers: { 'user-agent': FIREFOX, 'accept-language': 'en', ...JSON_ACCEPT, ...SDK } })
    expect(res.json()).toEqual({ url: 'https://example.org/b', status: 302 })
    await svc.linkprint.writer.flush()
    const [row] = await svc.linkprint.storage.clicks.clicksPage((await svc.linkprint.storage.links.findLinkBySlug('balanced'))!.id, {}, 0, 10)
    expect(row).toMatchObject({ sdk_device_hash: null, identity_source: 'server_generated' })
    expect(JSON.parse(row!.signals!).rejected).toContainEqual({ signal: 'x-device-fingerprint', reason: 'privacy_balanced' })
  })
})
