import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase, DIALECTS } from '../helpers/test-databases.js'
import { setupOrFailEach, shouldRunRedis, type TestRedis } from '../helpers/test-redis.js'
import { startTwoInstances, type Instance, type TwoInstances } from '../helpers/two-instances.js'
import { runCli } from '../helpers/run-cli.js'
import { bearer } from '../helpers/test-service.js'

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const FIREFOX_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:132.0) Gecko/20100101 Firefox/132.0'
const SAFARI_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15'
const MAC = 'a9b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6'

const runRedis = await shouldRunRedis()

/** Two instances behind one load balancer: one database, one Redis, a process each (here: two in one process). */
for (const dialect of DIALECTS) {
  describe.runIf(runRedis)(`two instances on one ${dialect} database and one Redis`, () => {
    let pair: TwoInstances
    let redis: TestRedis
    let a: Instance
    let b: Instance
    let adminKey: string
    setupOrFailEach(async () => {
      pair = await startTwoInstances(dialect)
      ;({ redis, a, b, adminKey } = pair)
      await a.app.inject({ method: 'POST', url: '/api/links', headers: bearer(adminKey), payload: { url: 'https://example.org/', slug: 'shared' } })
    })
    afterAll(() => pair?.close())

    /** A click on one instance, then what the other has applied of it. */
    async function click(on: Instance, ua: string, sdk: { device: string; browser: string }, cookie?: string) {
      const res = await on.app.inject({
        method: 'GET', url: '/shared', remoteAddress: '93.45.12.7',
        headers: { 'user-agent': ua, accept: 'text/html', 'accept-language': 'it-IT,it;q=0.9', 'x-device-fingerprint': sdk.device, 'x-browser-fingerprint': sdk.browser, 'x-timezone': 'Europe/Rome', ...(cookie && { cookie }) },
      })
      expect(res.statusCode).toBe(302)
      await on.linkprint.identityReplication!.flush()
      for (const other of [a, b]) if (other !== on) await other.linkprint.identityReplication!.caughtUp()
      return String(res.headers['set-cookie'] ?? cookie).split(';')[0]!
    }

    async function stats() {
      await a.linkprint.writer.flush()
      await b.linkprint.writer.flush()
      return (await a.app.inject({ url: '/api/links/shared/stats', headers: bearer(adminKey) })).json()
    }

    it('knows a browser that clicked on the other instance, and joins a device\'s second browser to the cluster the first made there', async () => {
      const chrome = await click(a, CHROME_MAC, { device: MAC, browser: 'c1000000000000000000000000000001' })
      await click(b, FIREFOX_MAC, { device: MAC, browser: 'f1000000000000000000000000000001' })
      expect(await stats()).toMatchObject({ clicks: 2, browserUniqueClicks: 2, deviceUniqueClicks: 1 })
      // Chrome again, through the other instance: the same browser, not a new one.
      await click(b, CHROME_MAC, { device: MAC, browser: 'c1000000000000000000000000000001' }, chrome)
      expect(await stats()).toMatchObject({ clicks: 3, browserUniqueClicks: 2, deviceUniqueClicks: 1 })
      expect(b.linkprint.identityReplication!.applied).toBeGreaterThan(0)
      const metrics = (await b.app.inject({ url: '/metrics' })).body
      expect(Number(/^linkprint_identity_replication_applied_total (\d+)$/m.exec(metrics)?.[1])).toBe(b.linkprint.identityReplication!.applied)
      expect(metrics).toMatch(/^linkprint_identity_replication_lost_total 0$/m)
      // Both instances place the two browsers in one device cluster.
      const chromeKey = a.linkprint.clickEnvironment.deviceCookie.verify(chrome.split('=')[1]!)!
      expect(a.linkprint.identity.state.find('device', chromeKey)).toBe(b.linkprint.identity.state.find('device', chromeKey))
    })

    it('carries what a context showed of its device, and what a browser hash proved, to the other instance', async () => {
      // Chrome's incognito window on the other instance: the browser hash joins it to the install made here.
      const chrome = await click(a, CHROME_MAC, { device: MAC, browser: 'c2000000000000000000000000000002' })
      const incognito = await click(b, CHROME_MAC, { device: MAC, browser: 'c2000000000000000000000000000002' })
      const [chromeKey, incognitoKey] = [chrome, incognito].map((c) => a.linkprint.clickEnvironment.deviceCookie.verify(c.split('=')[1]!)!)
      for (const i of [a, b]) {
        expect(i.linkprint.identity.state.find('browser', incognitoKey!)).toBe(chromeKey)
        expect(i.linkprint.identity.state.get(incognitoKey!)).toMatchObject({ language: 'it', model: null })
        expect(i.linkprint.identity.state.sdkBrowserAmbiguous('c2000000000000000000000000000002')).toBe(false)
      }
    })

    it('a link created, changed or deleted on one instance redirects accordingly on the other at once', async () => {
      const redirect = async (slug: string) => {
        const res = await b.app.inject({ method: 'GET', url: `/${slug}`, remoteAddress: '198.51.100.9', headers: { 'user-agent': CHROME_MAC } })
        return res.statusCode === 302 ? res.headers.location : res.statusCode
      }
      // Tried before it exists: the other instance caches the miss.
      expect(await redirect('moving')).toBe(404)
      await a.app.inject({ method: 'POST', url: '/api/links', headers: bearer(adminKey), payload: { url: 'https://example.org/first', slug: 'moving' } })
      await expect.poll(() => redirect('moving')).toBe('https://example.org/first')
      await a.app.inject({ method: 'PATCH', url: '/api/links/moving', headers: bearer(adminKey), payload: { url: 'https://example.org/second' } })
      await expect.poll(() => redirect('moving')).toBe('https://example.org/second')
      await a.app.inject({ method: 'DELETE', url: '/api/links/moving', headers: bearer(adminKey) })
      await expect.poll(() => redirect('moving')).toBe(404)
    })

    it('a replay into another database beside them sends its history to none of them', async () => {
      const other = await createTestDatabase(dialect)
      const dir = mkdtempSync(join(tmpdir(), 'lp-replay-'))
      try {
        const file = join(dir, 'events.ndjson')
        writeFileSync(file, [
          { type: 'link', slug: 'replayed', url: 'https://example.org/r' },
          { type: 'click', id: 'e1', ts: '2026-10-01T08:00:00Z', method: 'GET', path: '/replayed', ip: '93.45.12.7', jar: 'j1', headers: { 'user-agent': CHROME_MAC, 'x-device-fingerprint': MAC } },
        ].map((e) => JSON.stringify(e)).join('\n'))
        const stream = `${redis.prefix}identity:ops`
        const before = await redis.redis.xlen(stream)
        const out = await runCli({ DATABASE_URL: other.url, SECRET: 'test-secret-test-secret', REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, PRIVACY_MODE: 'full', GEOIP_DB: 'off' }, 'replay', file)
        expect(out.code).toBe(0)
        expect(await redis.redis.xlen(stream)).toBe(before)
      } finally {
        rmSync(dir, { recursive: true, force: true })
        await other.drop()
      }
    })

    it('forgets an erased device on every instance', async () => {
      const chrome = await click(a, CHROME_MAC, { device: MAC, browser: 'c1000000000000000000000000000001' })
      const key = a.linkprint.clickEnvironment.deviceCookie.verify(chrome.split('=')[1]!)!
      expect(b.linkprint.identity.state.get(key)).toBeDefined()
      const device = b.linkprint.identity.state.find('device', key)
      const erased = await a.app.inject({ method: 'DELETE', url: `/api/admin/visitors/${encodeURIComponent(device)}`, headers: bearer(adminKey) })
      expect(erased.statusCode).toBe(200)
      await a.linkprint.identityReplication!.flush()
      await b.linkprint.identityReplication!.caughtUp()
      expect(b.linkprint.identity.state.get(key)).toBeUndefined()

      // The same Mac in a third browser, on the other instance: a device nobody has seen.
      const safari = await click(b, SAFARI_MAC, { device: MAC, browser: '5a000000000000000000000000000001' })
      const safariKey = b.linkprint.clickEnvironment.deviceCookie.verify(safari.split('=')[1]!)!
      expect(b.linkprint.identity.state.find('device', safariKey)).not.toBe(device)
    })
  })
}
