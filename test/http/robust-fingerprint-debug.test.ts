import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEVICE_COOKIE } from '../../src/identity/device-cookie.js'
import { DBIP_ATTRIBUTION } from '../../src/signals/geo/database-geo.js'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const FIREFOX = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:132.0) Gecko/20100101 Firefox/132.0'
const ROUTE = '/api/debug/robust-fingerprint'
/** A version-2 SDK device hash (sdk-hash-format.ts). */
const SDK = { 'x-device-fingerprint': 'v2_a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6a1b2c3d4e5f', 'x-browser-fingerprint': 'f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5', 'x-timezone': 'Europe/Rome' }

for (const dialect of DIALECTS) {
  describe(`debug API on ${dialect}`, () => {
    let svc: TestService
    let userKey: string
    beforeAll(async () => {
      // The test client is a trusted proxy, so edge geo headers count (tier 1).
      svc = await startTestService(dialect, { PRIVACY_MODE: 'full', GEOIP_DB: 'off', TRUST_PROXY: '127.0.0.1' })
      userKey = await svc.addUser('user@example.com')
      await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/', slug: 'dbg' } })
    })
    afterAll(() => svc.close())

    const debug = (query: string, headers: Record<string, string> = {}) =>
      svc.app.inject({ method: 'GET', url: `${ROUTE}?${query}`, headers: { ...bearer(svc.adminKey), ...headers } })
    const visit = (headers: Record<string, string>) => svc.app.inject({ method: 'GET', url: '/dbg', headers: { 'user-agent': CHROME, 'accept-language': 'it-IT,it;q=0.9', ...headers } })

    it('is for admins only, with a closed set of actions and parameters', async () => {
      expect((await svc.app.inject({ method: 'GET', url: `${ROUTE}?action=stats` })).json().error.code).toBe('UNAUTHORIZED')
      expect((await svc.app.inject({ method: 'GET', url: `${ROUTE}?action=stats`, headers: bearer(userKey) })).json().error.code).toBe('FORBIDDEN')
      for (const query of ['', 'action=delete', 'action=stats&extra=1', 'action=recent&limit=0', 'action=recent&limit=201', 'action=recent&limit=abc', `action=test&slug=${'x'.repeat(201)}`]) {
        const res = await debug(query)
        expect({ query, status: res.statusCode, code: res.json().error.code }).toEqual({ query, status: 400, code: 'VALIDATION_FAILED' })
      }
      expect((await debug('action=test&slug=nope')).json().error.code).toBe('LINK_NOT_FOUND')
    })

    it('test explains the request — components, sources, geo tier, rejected signals, fingerprints, cluster — and records nothing', async () => {
      // A browser that clicked before, with the SDK: the engine knows it.
      const first = await visit({ ...SDK })
      const cookie = String(first.headers['set-cookie']).split(';')[0]!
      await svc.linkprint.writer.flush()
      const clicksBefore = await svc.linkprint.storage.clicks.countClicks()
      const stateBefore = svc.linkprint.identity.state.get(cookie.split('=')[1]!.split('.')[0]!)
      expect(stateBefore).toBeDefined()
      const snapshot = JSON.stringify(stateBefore)

      const res = await debug('action=test&slug=dbg', {
        'user-agent': FIREFOX,
        'accept-language': 'it-IT,it;q=0.9',
        'x-vercel-ip-country': 'IT', 'x-vercel-ip-country-region': 'PA', 'x-vercel-ip-city': 'Palermo',
        ...SDK,
        'x-browser-fingerprint': 'not a fingerprint!',
        cookie: `${DEVICE_COOKIE}=${'A'.repeat(22)}.${'B'.repeat(22)}`,
      })
      expect(res.statusCode).toBe(200)
      expect(res.headers['cache-control']).toBe('no-store')
      const body = res.json()
      expect(body).toMatchObject({ action: 'test', recorded: false, dropped: null, algorithm: 'robust', link: 'dbg', privacyMode: 'full', bot: { bot: false } })
      expect(body.steps).toEqual(expect.arrayContaining(['resolve_client_ip', 'detect_bot', 'locate', 'read_cookie', 'resolve_identity']))
      const component = (name: string) => body.components.find((c: { name: string }) => c.name === name)
      expect(component('address')).toMatchObject({ source: 'peer', trustedPeer: true, value: { family: 'IPv4', ipHash: expect.stringMatching(/^[\w-]{22}$/) } })
      expect(JSON.stringify(body)).not.toContain('127.0.0.1')
      expect(component('userAgent')).toMatchObject({ source: 'user-agent', value: { browser: 'Firefox', os: 'Mac OS', device: 'desktop' } })
      expect(component('language')).toMatchObject({ source: 'accept-language', value: { language: 'it', region: 'IT' } })
      expect(component('timezone')).toMatchObject({ source: 'x-timezone', value: 'Europe/Rome' })
      expect(component('geo')).toMatchObject({ source: 'edge', value: { country: 'IT', city: 'Palermo', source: 'edge', tier: 1, confidence: 95 } })
      expect(component('sdkDevice')).toMatchObject({ value: SDK['x-device-fingerprint'], version: 2 })
      expect(component('sdkBrowser')).toMatchObject({ value: null })
      expect(component('cookie')).toMatchObject({ value: 'none: a new one would be set' })
      expect(body.rejected).toEqual(expect.arrayContaining([{ signal: 'x-browser-fingerprint', reason: 'malformed' }, { signal: DEVICE_COOKIE, reason: 'invalid_signature' }]))
      expect(body.fingerprints).toMatchObject({ version: expect.any(Number), deviceStableHash: expect.any(String), browserComponent: expect.any(String), sessionHash: expect.any(String), primaryFingerprint: expect.any(String) })
      expect(body.identity).toMatchObject({ newContext: true, source: 'client_header', browserUnique: expect.any(Boolean), deviceUnique: expect.any(Boolean), why: expect.any(String) })
      expect(body.identity.deviceCluster).toEqual(expect.any(String))

      // Nothing was recorded and the engine's memory did not move.
      await svc.linkprint.writer.flush()
      expect(await svc.linkprint.storage.clicks.countClicks()).toBe(clicksBefore)
      expect(svc.linkprint.identity.state.get(body.identity.key)).toBeUndefined()
      expect(JSON.stringify(svc.linkprint.identity.state.get(cookie.split('=')[1]!.split('.')[0]!))).toBe(snapshot)
      expect(res.headers['set-cookie']).toBeUndefined()

      // The browser it knows, from its own cookie: a known context, not unique on the link it clicked.
      const known = (await debug('action=test&slug=dbg', { 'user-agent': CHROME, cookie, ...SDK })).json()
      expect(known.identity).toMatchObject({ newContext: false, source: 'cookie', browserUnique: false, deviceUnique: false })
      expect(known.identity.why).toMatch(/known storage context/)
    })

    it('stats, recent and correlations describe what is stored, with the DB-IP credit where database geo appears', async () => {
      // A browser and a private window of the same Chrome (the SDK says so): one cluster of two contexts.
      await visit({ ...SDK })
      await visit({ ...SDK })
      // A click the database tier located, as an older instance with GEOIP_DB stored it.
      await svc.linkprint.storage.clicks.insertClicks([{ click: {
        link_id: 1, ts: Date.now(), ip_hash: 'h'.repeat(22), ip_prefix_hash: 'p'.repeat(22), user_agent: CHROME, referrer_host: null, method: 'GET', is_bot: 0, bot_reason: null,
        browser_id: 'b', device_id: 'd', confidence: 60, identity_source: 'server_generated', fingerprint_version: 1, fingerprint_id: null, legacy_id: 'l', session_hash: null, device_hash: null,
        sdk_device_hash: null, sdk_browser_hash: null, signals: JSON.stringify({ mode: 'balanced', geo: { country: 'IT', region: 'Sicily', city: 'Palermo', source: 'database', confidence: 80 } }), country: 'IT',
      } }])
      await svc.linkprint.writer.flush()

      const stats = (await debug('action=stats')).json()
      expect(stats).toMatchObject({ action: 'stats', algorithm: 'robust', fingerprintVersion: expect.any(Number), migration: { state: 'idle' } })
      expect(stats.humanClicks).toBeGreaterThanOrEqual(4)
      expect(stats.identitySources).toEqual(expect.arrayContaining([expect.objectContaining({ source: 'client_header' })]))
      expect(stats.unique.legacy).toBeGreaterThan(0)
      expect(stats.unique.robust.devices).toBeLessThanOrEqual(stats.unique.robust.browsers)
      expect(stats.versions.clicks).toEqual(expect.arrayContaining([expect.objectContaining({ version: 1 })]))
      expect(stats.geoTiers.tiers).toEqual(expect.arrayContaining([{ source: 'database', tier: 2, clicks: 1 }]))
      expect(stats.geoAttribution).toBe(DBIP_ATTRIBUTION)
      expect(stats.workingState).toMatchObject({ upToClickId: 0 })

      const recent = (await debug('action=recent&limit=2')).json()
      expect(recent.action).toBe('recent')
      expect(recent.fingerprints).toHaveLength(2)
      expect(recent.fingerprints[0]).toMatchObject({ key: expect.any(String), sdkDevice: SDK['x-device-fingerprint'], version: 1, deviceCluster: expect.any(String) })

      const correlations = (await debug('action=correlations')).json()
      expect(correlations.action).toBe('correlations')
      const cluster = correlations.clusters[0]
      expect(cluster.size).toBeGreaterThanOrEqual(2)
      expect(cluster.members.length).toBe(Math.min(cluster.size, 50))
      expect(cluster.members.some((m: { factors: string[] }) => m.factors.length > 0)).toBe(true)
      expect(cluster.members[0]).toMatchObject({ key: expect.any(String), browserCluster: expect.any(String), confidence: expect.any(Number) })
    })
  })
}
