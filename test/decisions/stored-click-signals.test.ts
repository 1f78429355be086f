import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { identitySignals } from '../../src/decisions/click-pipeline.js'
import { identitySignalsOfStoredClick, type StoredClick } from '../../src/decisions/stored-click-signals.js'
import { DEVICE_COOKIE } from '../../src/identity/device-cookie.js'
import { CLICK_CHANNEL, subscribe } from '../../src/events/click-channels.js'
import type { IdentitySignals } from '../../src/identity/identity-signals.js'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const HINTS = { 'sec-ch-ua': '"Chromium";v="131", "Google Chrome";v="131", "Not_A Brand";v="24"', 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': '"Windows"', 'sec-ch-ua-platform-version': '"15.0.0"' }
const SDK = { 'x-device-fingerprint': 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6', 'x-browser-fingerprint': 'f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5' }

/** The geo the engine attributed the click to is what is stored; compared by value. */
const comparable = (s: IdentitySignals, geo: IdentitySignals['geo']) => ({
  ...s,
  geo: geo && { country: geo.country, region: geo.region, city: geo.city, source: geo.source, confidence: geo.confidence },
})

for (const dialect of DIALECTS) {
  describe(`signals a recomputation reads back, on ${dialect}`, () => {
    let svc: TestService
    const seen: Array<{ signals: IdentitySignals; geo: IdentitySignals['geo'] }> = []
    let unsubscribe = () => {}
    beforeAll(async () => {
      svc = await startTestService(dialect, { PRIVACY_MODE: 'full', GEOIP_DB: 'off', TRUST_PROXY: '127.0.0.1' })
      await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/', slug: 'sig' } })
      unsubscribe = subscribe(CLICK_CHANNEL, svc.linkprint.clickEnvironment, ({ outcome }) => {
        const ctx = outcome.context
        if (!ctx.identity) return
        const decided = (ctx.identity as { geo?: IdentitySignals['geo'] }).geo
        seen.push({ signals: identitySignals(ctx), geo: decided === undefined ? ctx.geo : decided })
      })
    })
    afterAll(() => {
      unsubscribe()
      return svc.close()
    })

    it('rebuilds exactly what the live pipeline gave the engine, for every kind of click', async () => {
      const visit = (headers: Record<string, string>, ip = '203.0.113.7') =>
        svc.app.inject({ method: 'GET', url: '/sig', headers: { 'user-agent': CHROME, 'x-forwarded-for': ip, ...headers } })
      const first = await visit({ ...HINTS, ...SDK, 'x-timezone': 'Europe/Rome', 'accept-language': 'it-IT,it;q=0.9', accept: `text/html,${'x'.repeat(400)}`, 'x-vercel-ip-country': 'IT', 'x-vercel-ip-city': 'Palermo' })
      const cookie = String(first.headers['set-cookie']).split(';')[0]!
      await visit({ cookie, ...HINTS, 'accept-language': 'it-IT', 'x-vercel-ip-country': 'IT', 'x-vercel-ip-city': 'Roma' }, '198.51.100.9')
      await visit({ cookie, dnt: '1', 'accept-language': 'en-GB' })
      await visit({ 'sec-gpc': '1' })
      await visit({ cookie: `${DEVICE_COOKIE}=${'A'.repeat(22)}.${'B'.repeat(22)}`, 'x-device-fingerprint': 'bad fingerprint!', 'x-timezone': 'Mars/Olympus' })
      await visit({ 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1', 'accept-language': 'de' }, '2001:db8::7')
      await svc.linkprint.writer.flush()

      const rows = await svc.linkprint.storage.identity.clicksForRecompute(0, 100)
      expect(rows).toHaveLength(seen.length)
      expect(seen.length).toBe(6)
      rows.forEach((row, i) => {
        const rebuilt = identitySignalsOfStoredClick(row)
        expect(rebuilt).not.toBeNull()
        expect(comparable(rebuilt!, rebuilt!.geo)).toEqual(comparable(seen[i]!.signals, seen[i]!.geo))
      })
      // The raw address never reached storage, only its hashes.
      expect(JSON.stringify(rows)).not.toMatch(/203\.0\.113\.7|198\.51\.100\.9|2001:db8::7/)
    })
  })
}

describe('identitySignalsOfStoredClick', () => {
  const row = (over: Partial<StoredClick>): StoredClick => ({
    link_id: 3, ts: 1_700_000_000_000, ip_hash: 'i'.repeat(22), ip_prefix_hash: 'p'.repeat(22), user_agent: CHROME, is_bot: 0,
    identity_source: 'cookie', fingerprint_id: 'k'.repeat(22), sdk_device_hash: null, sdk_browser_hash: null,
    signals: JSON.stringify({ mode: 'balanced', language: 'it', timezone: null, accept: null, hints: {}, geo: null }),
    ...over,
  })

  it('tells the cookie apart on clicks stored before it was recorded', () => {
    expect(identitySignalsOfStoredClick(row({}))).toMatchObject({ cookieId: 'k'.repeat(22), newCookieId: null })
    expect(identitySignalsOfStoredClick(row({ identity_source: 'server_generated' }))).toMatchObject({ cookieId: null, newCookieId: 'k'.repeat(22) })
    expect(identitySignalsOfStoredClick(row({ identity_source: 'client_header' }))).toMatchObject({ cookieId: null, newCookieId: 'k'.repeat(22) })
    const strict = row({ identity_source: 'request_cache', fingerprint_id: `s_${'x'.repeat(20)}`, signals: JSON.stringify({ mode: 'strict', language: null }) })
    expect(identitySignalsOfStoredClick(strict)).toMatchObject({ cookieId: null, newCookieId: null })
  })

  it('skips bots, clicks without signals and unreadable signals', () => {
    expect(identitySignalsOfStoredClick(row({ is_bot: 1 }))).toBeNull()
    expect(identitySignalsOfStoredClick(row({ signals: null }))).toBeNull()
    expect(identitySignalsOfStoredClick(row({ signals: '{not json' }))).toBeNull()
    expect(identitySignalsOfStoredClick(row({ signals: '42' }))).toBeNull()
  })

  it('ignores hints that are not strings', () => {
    const s = identitySignalsOfStoredClick(row({ signals: JSON.stringify({ mode: 'full', hints: { 'sec-ch-ua-platform': 42, 'sec-ch-ua-mobile': '?1' } }) }))
    expect(s?.ua.browser.name).toBe('Chrome')
  })
})
