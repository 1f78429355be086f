import { afterAll, describe, expect, it, vi } from 'vitest'
import { DIALECTS } from '../helpers/test-databases.js'
import { setupOrFailEach, shouldRunRedis } from '../helpers/test-redis.js'
import { startTwoInstances, type Instance, type TwoInstances } from '../helpers/two-instances.js'
import { bearer } from '../helpers/test-service.js'

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
const NAVIGATION = { 'user-agent': FIREFOX, accept: 'text/html,*/*;q=0.8', 'accept-language': 'it-IT,it;q=0.9', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }
const PAGE_CLICK = { 'user-agent': FIREFOX, accept: 'application/json', 'accept-language': 'it-IT,it;q=0.9', 'x-device-fingerprint': 'D'.repeat(43), 'x-browser-fingerprint': 'B'.repeat(43) }
const TOKEN = /\?bridge=([A-Za-z0-9._-]+)"/

const runRedis = await shouldRunRedis()

/**
 * A visit's requests may reach different instances behind a load balancer: the page from
 * one, its click or fallback from another, the held click's deadline on the first. The
 * claim in Redis lets exactly one of them record (docs/bridge.md).
 */
for (const dialect of DIALECTS) {
  describe.runIf(runRedis)(`the bridge on two instances, one ${dialect} database and one Redis`, () => {
    let pair: TwoInstances
    let a: Instance
    let b: Instance
    let adminKey: string
    setupOrFailEach(async () => {
      pair = await startTwoInstances(dialect, { REDIRECT_MODE: 'bridge', BRIDGE_DEADLINE_MS: '1000' })
      ;({ a, b, adminKey } = pair)
    })
    afterAll(() => pair?.close())

    async function clicks(slug: string) {
      await a.linkprint.writer.flush()
      await b.linkprint.writer.flush()
      const link = (await a.linkprint.storage.links.findLinkBySlug(slug))!
      return a.linkprint.storage.clicks.clicksPage(link.id, {}, 0, 100)
    }
    /** Until the held click's deadline has passed on the instance that served the page. */
    async function pastDeadline(on: Instance) {
      await vi.waitFor(async () => {
        const held = await on.linkprint.metrics.registry.getSingleMetric('linkprint_bridge_held_clicks')!.get()
        expect(held.values[0]?.value).toBe(0)
      }, { timeout: 10_000, interval: 50 })
    }

    it('records the page\'s click on the other instance once; the fallback and the deadline on the first record nothing', async () => {
      await a.app.inject({ method: 'POST', url: '/api/links', headers: bearer(adminKey), payload: { url: 'https://example.org/', slug: 'across' } })
      const pageRes = await a.app.inject({ url: '/across', headers: NAVIGATION })
      expect(pageRes.statusCode).toBe(200)
      const token = TOKEN.exec(pageRes.body)![1]!
      expect((await b.app.inject({ url: `/across?bridge=${token}`, headers: PAGE_CLICK })).statusCode).toBe(200)
      expect((await a.app.inject({ url: `/across?bridge=${token}`, headers: NAVIGATION })).statusCode).toBe(302)
      await pastDeadline(a)
      expect(await clicks('across')).toMatchObject([{ sdk_device_hash: 'D'.repeat(43) }])
    })

    it('records the held click at the deadline when the only other request came too late, and nothing for it', async () => {
      await a.app.inject({ method: 'POST', url: '/api/links', headers: bearer(adminKey), payload: { url: 'https://example.org/', slug: 'late' } })
      const token = TOKEN.exec((await a.app.inject({ url: '/late', headers: NAVIGATION })).body)![1]!
      await pastDeadline(a)
      expect((await b.app.inject({ url: `/late?bridge=${token}`, headers: PAGE_CLICK })).statusCode).toBe(200)
      expect(await clicks('late')).toMatchObject([{ sdk_device_hash: null }])
    })
  })
}
