import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/test-databases.js'

const CHROME = {
  'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'sec-ch-ua': '"Chromium";v="131", "Not_A Brand";v="24"', 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': '"Windows"',
  'accept-language': 'it-IT,it;q=0.9', accept: 'text/html,application/xhtml+xml',
}
const FIREFOX = { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0', 'accept-language': 'it-IT,it;q=0.8,en-US;q=0.5', accept: 'text/html,application/xhtml+xml' }
const DEVICE = 'Dv4Yb1u0sW5v7mQeL2p9xKcZtR8aHnJgFdS3oE6iB0A'

/** One PC, Chrome then Firefox ten minutes later at home, both with the SDK's device hash (and their own browser hashes). */
function events(): string {
  const click = (id: string, minute: number, jar: string, headers: Record<string, string>, browser: string) =>
    JSON.stringify({ type: 'click', id, ts: `2026-10-01T08:${String(minute).padStart(2, '0')}:00.000Z`, method: 'GET', path: '/news42', ip: '93.45.12.7', jar, headers: { ...headers, 'x-device-fingerprint': DEVICE, 'x-browser-fingerprint': browser, 'x-timezone': 'Europe/Rome' } })
  return [
    JSON.stringify({ type: 'link', slug: 'news42', url: 'https://example.org/a' }),
    click('e1', 0, 'chrome', CHROME, 'Br0wserChr0meAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
    click('e2', 1, 'chrome', CHROME, 'Br0wserChr0meAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
    click('e3', 11, 'firefox', FIREFOX, 'Br0wserF1refoxAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
  ].join('\n')
}

for (const dialect of DIALECTS) {
  describe(`linkprint replay on ${dialect}`, () => {
    let dir: string
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'linkprint-replay-'))
      writeFileSync(join(dir, 'events.ndjson'), events())
    })
    afterAll(() => rmSync(dir, { recursive: true }))

    async function replayWith(env: NodeJS.ProcessEnv): Promise<{ decisions: Array<Record<string, unknown>>; stats: Array<Record<string, unknown>> }> {
      const db: TestDatabase = await createTestDatabase(dialect)
      try {
        const out = join(dir, `decisions-${Math.random()}.ndjson`)
        const replayed = await runCli({ DATABASE_URL: db.url, GEOIP_DB: 'off', ...env }, 'replay', join(dir, 'events.ndjson'), '--decisions', out)
        expect(replayed.code).toBe(0)
        const decisions = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
        const stats = JSON.parse((await runCli({ DATABASE_URL: db.url }, 'stats', '--json')).out) as Array<Record<string, unknown>>
        return { decisions, stats }
      } finally {
        await db.drop()
      }
    }

    it('writes one decision per click with the final ids, and stats --json agrees', async () => {
      const { decisions, stats } = await replayWith({})
      expect(decisions.map((d) => Object.keys(d).sort())).toEqual(Array(3).fill(['bot', 'browserId', 'browserUnique', 'confidence', 'deviceId', 'deviceUnique', 'id']))
      expect(decisions.map((d) => [d.id, d.browserUnique, d.deviceUnique, d.bot])).toEqual([['e1', true, true, false], ['e2', false, false, false], ['e3', true, false, false]])
      expect(new Set(decisions.map((d) => d.deviceId)).size).toBe(1)
      expect(new Set(decisions.map((d) => d.browserId)).size).toBe(2)
      expect(stats).toEqual([expect.objectContaining({ slug: 'news42', clicks: 3, browserUniqueClicks: 2, deviceUniqueClicks: 1, botClicks: 0 })])
    })

    it('counts the recorded SDK headers unless PRIVACY_MODE says otherwise', async () => {
      const balanced = await replayWith({ PRIVACY_MODE: 'balanced' })
      expect(new Set(balanced.decisions.map((d) => d.deviceId)).size).toBe(2)
      expect(balanced.stats[0]).toMatchObject({ deviceUniqueClicks: 2 })
    })
  })
}
