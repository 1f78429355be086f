import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/config.js'
import { buildApp } from '../../src/http/app.js'
import { createLinkprint } from '../../src/linkprint.js'
import { ReplayClock } from '../../src/replay/replay-clock.js'
import { replay, type ReplayDecision } from '../../src/replay/replay.js'
import { createTestDatabase, DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

/**
 * The retroactive path end to end: a secure email gateway's fetches of a newsletter link
 * are taken for clicks until the burst is recognised; then they become bots in storage,
 * in the stats, and give their place in the link's click limit back. And Safe Links'
 * time-of-click checks, recognised by the recipients' clicks that follow them.
 */
const T0 = Date.parse('2026-10-05T09:30:00Z')
const SEC = 1000
const EDGE_SCANNER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51'
const CHROME_SCANNER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'
const SAFARI_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15'
/** A gateway's fetch: a complete browser header set (a real browser in a sandbox), no cookie. */
const SCANNER_HEADERS = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8',
  'accept-language': 'en-US,en;q=0.9',
  'accept-encoding': 'gzip, deflate, br',
  'sec-ch-ua': '"Chromium";v="124", "Microsoft Edge";v="124", "Not-A.Brand";v="99"',
  'sec-ch-ua-mobile': '?0',
  'sec-ch-ua-platform': '"Windows"',
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'none',
  'sec-fetch-user': '?1',
}
const PERSON_HEADERS = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'accept-language': 'it-IT,it;q=0.9',
  'accept-encoding': 'gzip, deflate, br',
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'none',
}

for (const dialect of DIALECTS) {
  describe(`scanner reclassification through the HTTP app on ${dialect}`, () => {
    let svc: TestService
    let now = T0
    beforeAll(async () => {
      svc = await startTestService(dialect, {}, { now: () => now })
    })
    afterAll(() => svc.close())

    const link = async (body: Record<string, unknown>) => {
      const res = await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/issue', ...body } })
      expect(res.statusCode).toBe(201)
      return res.json() as { slug: string }
    }
    const fetchAt = (at: number, slug: string, ip: string, ua: string, headers: Record<string, string>) => {
      now = at
      return svc.app.inject({ method: 'GET', url: `/${slug}`, remoteAddress: ip, headers: { 'user-agent': ua, ...headers } })
    }
    const stats = async (slug: string) => {
      await svc.linkprint.writer.flush()
      return (await svc.app.inject({ method: 'GET', url: `/api/links/${slug}/stats`, headers: bearer(svc.adminKey) })).json()
    }

    it('takes a recognised burst back from the stats and from the click limit', async () => {
      const { slug } = await link({ slug: 'issue-42', maxClicks: 3 })
      // The gateway scans three mailboxes: three "clicks", the link's whole limit.
      for (const [i, s] of [0, 2, 5].entries()) {
        const res = await fetchAt(T0 + s * SEC, slug, `40.94.29.${10 + i}`, i === 1 ? CHROME_SCANNER : EDGE_SCANNER, SCANNER_HEADERS)
        expect(res.statusCode).toBe(302)
      }
      // Written before the burst is known: the rows exist as human clicks.
      await svc.linkprint.writer.flush()
      expect((await svc.linkprint.storage.links.findLinkBySlug(slug))!.clickCount).toBe(3)
      // The fourth mailbox: the burst is recognised; the scanner still gets its redirect (bots are answered).
      expect((await fetchAt(T0 + 20 * SEC, slug, '40.94.29.40', EDGE_SCANNER, SCANNER_HEADERS)).statusCode).toBe(302)
      // Hours later, the recipients: the limit is theirs.
      for (let i = 0; i < 3; i++) {
        const res = await fetchAt(T0 + (3 + i) * 3_600_000, slug, `93.45.${12 + i}.7`, SAFARI_MAC, PERSON_HEADERS)
        expect(res.statusCode).toBe(302)
      }
      expect((await fetchAt(T0 + 7 * 3_600_000, slug, '151.20.4.9', SAFARI_MAC, PERSON_HEADERS)).statusCode).toBe(410)
      expect(await stats(slug)).toMatchObject({ clicks: 3, botClicks: 4, deviceUniqueClicks: 3 })
      expect((await svc.linkprint.storage.links.findLinkBySlug(slug))!.clickCount).toBe(3)
      const reasons = (await svc.app.inject({ method: 'GET', url: `/api/links/${slug}/analytics`, headers: bearer(svc.adminKey) })).json()
      expect(JSON.stringify(reasons)).toContain('scanner_burst')
    })

    it('flags time-of-click checks once the recipients\' clicks have revealed three', async () => {
      const slugs = []
      for (let i = 0; i < 3; i++) slugs.push((await link({ slug: `toc-${i}` })).slug)
      let at = T0 + 86_400_000
      for (const [i, slug] of slugs.entries()) {
        at += 3_600_000
        // Safe Links fetches from Microsoft a second before the browser's own request arrives from home.
        expect((await fetchAt(at, slug, `104.47.11.${20 + i}`, EDGE_SCANNER, SCANNER_HEADERS)).statusCode).toBe(302)
        expect((await fetchAt(at + 1100, slug, `79.13.${40 + i}.8`, SAFARI_MAC, PERSON_HEADERS)).statusCode).toBe(302)
      }
      for (const slug of slugs) expect(await stats(slug)).toMatchObject({ clicks: 1, botClicks: 1, deviceUniqueClicks: 1 })
      // The checker is known now: its next pre-check is a bot at once.
      const { slug } = await link({ slug: 'toc-next' })
      await fetchAt(at + 3_600_000, slug, '104.47.11.99', EDGE_SCANNER, SCANNER_HEADERS)
      expect(await stats(slug)).toMatchObject({ clicks: 0, botClicks: 1 })
    })
  })

  describe(`replay decisions carry the final bot flag on ${dialect}`, () => {
    it('writes the burst\'s first fetches as bots, with bot ids, though they were redirected as clicks', async () => {
      const db = await createTestDatabase(dialect)
      const dir = mkdtempSync(join(tmpdir(), 'linkprint-scanner-replay-'))
      const file = join(dir, 'events.ndjson')
      const lines: unknown[] = [{ type: 'link', slug: 'news42', url: 'https://example.org/a' }]
      const at = (ms: number) => new Date(T0 + ms).toISOString()
      for (let i = 0; i < 5; i++) lines.push({ type: 'click', id: `scan${i}`, ts: at(i * 7 * SEC), method: 'GET', path: '/news42', ip: `148.163.137.${30 + i}`, jar: `s${i}`, headers: { 'user-agent': i % 2 ? CHROME_SCANNER : EDGE_SCANNER, ...SCANNER_HEADERS } })
      lines.push({ type: 'click', id: 'anna', ts: at(2 * 3_600_000), method: 'GET', path: '/news42', ip: '93.45.12.7', jar: 'anna', headers: { 'user-agent': SAFARI_MAC, ...PERSON_HEADERS } })
      lines.push({ type: 'click', id: 'anna2', ts: at(2 * 3_600_000 + 30 * SEC), method: 'GET', path: '/news42', ip: '93.45.12.7', jar: 'anna', headers: { 'user-agent': SAFARI_MAC, ...PERSON_HEADERS } })
      writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n')

      const clock = new ReplayClock()
      const linkprint = await createLinkprint(loadConfig({ DATABASE_URL: db.url, SECRET: 'replay-secret-replay-secret', GEOIP_DB: 'off' }), { clock })
      const app = await buildApp(linkprint)
      await app.ready()
      try {
        const owner = await linkprint.auth.createUser('replay@localhost', 'replay password', true)
        const decisions: ReplayDecision[] = []
        await replay({ linkprint, app, clock, owner, file, onDecision: (d) => decisions.push(d) })
        const byId = new Map(decisions.map((d) => [d.id, d]))
        for (let i = 0; i < 5; i++) {
          expect(byId.get(`scan${i}`)).toMatchObject({ bot: true, browserUnique: false, deviceUnique: false, confidence: null })
          expect(byId.get(`scan${i}`)!.deviceId).toMatch(/^bot:/)
        }
        expect(byId.get('anna')).toMatchObject({ bot: false, deviceUnique: true })
        expect(byId.get('anna2')).toMatchObject({ bot: false, deviceUnique: false })
        expect(byId.get('anna')!.deviceId).toBe(byId.get('anna2')!.deviceId)
        await linkprint.writer.flush()
        const [stats] = await linkprint.storage.analytics.allLinkStats({})
        expect(stats).toMatchObject({ clicks: 2, botClicks: 5, deviceUniqueClicks: 1 })
      } finally {
        await app.close()
        await linkprint.close()
        await db.drop()
      }
    })
  })
}
