import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CookieJar } from 'tough-cookie'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ReplayDecision } from '../../src/replay/replay.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/test-databases.js'
import { clusterPartition, openReplayService, simulatedFiles } from '../helpers/replay-service.js'

/** What must not depend on a restart: each click's decision (ids differ between runs: cookies are random). */
const flags = (d: ReplayDecision) => ({ id: d.id, confidence: d.confidence, browserUnique: d.browserUnique, deviceUnique: d.deviceUnique, bot: d.bot })

// Mixed traffic over six days (merges from SDK hashes, shared networks, private windows on
// both sides of the restart), and an office (crowded addresses, identical machines).
const TRAFFIC = [
  { profile: 'mixed', seed: 17, sdkShare: 0.5, people: 300, days: 6 },
  { profile: 'office', seed: 5, sdkShare: 0.5, people: 200, days: 3 },
] as const

for (const dialect of DIALECTS) for (const traffic of TRAFFIC) {
  describe(`working state after a restart on ${dialect}, ${traffic.profile} traffic`, () => {
    const files = simulatedFiles(traffic)
    const dbs: TestDatabase[] = []
    let straight: { decisions: ReplayDecision[]; stats: unknown; partition: unknown }
    beforeAll(async () => {
      const db = await createTestDatabase(dialect)
      dbs.push(db)
      const svc = await openReplayService(db.url)
      try {
        const decisions = await svc.run(files.all)
        straight = { decisions, stats: await svc.stats(), partition: await clusterPartition(svc.linkprint) }
      } finally {
        await svc.close()
      }
    }, 120_000)
    afterAll(async () => {
      for (const db of dbs) await db.drop()
    })

    it('replaying half a file, restarting and replaying the rest decides as one uninterrupted run', async () => {
      const db = await createTestDatabase(dialect)
      dbs.push(db)
      // The browsers keep their cookies while the server restarts.
      const jars = new Map<string, CookieJar>()
      const first = await openReplayService(db.url)
      const before = await first.run(files.first, jars)
      expect(first.linkprint.identityLoad.upToClickId).toBe(0)
      await first.close()

      const second = await openReplayService(db.url)
      try {
        const load = second.linkprint.identityLoad
        expect(load.upToClickId).toBeGreaterThan(0)
        expect(load.memberships).toBeGreaterThan(5)
        expect(load.sightings).toBeGreaterThan(0)
        const after = await second.run(files.second, jars)
        expect(before.length + after.length).toBe(straight.decisions.length)
        expect([...before, ...after].map(flags)).toEqual(straight.decisions.map(flags))
        expect(await second.stats()).toEqual(straight.stats)
        expect(await clusterPartition(second.linkprint)).toEqual(straight.partition)
      } finally {
        await second.close()
      }
    }, 120_000)

    it('with a sighting window shorter than the history, older contexts come back at their last click', async () => {
      const db = await createTestDatabase(dialect)
      dbs.push(db)
      const jars = new Map<string, CookieJar>()
      const first = await openReplayService(db.url)
      const before = await first.run(files.first, jars)
      await first.close()
      const second = await openReplayService(db.url, { restore: { sightingWindowMs: 86_400_000 } })
      try {
        const load = second.linkprint.identityLoad
        expect(load.contexts).toBeGreaterThan(0)
        const after = await second.run(files.second, jars)
        const all = [...before, ...after].map(flags)
        const differing = all.filter((d, i) => JSON.stringify(d) !== JSON.stringify(flags(straight.decisions[i]!))).length
        console.log(`${dialect}, ${traffic.profile}: 1-day sighting window: ${load.contexts} contexts + ${load.sightings} sightings reloaded in ${Math.round(load.ms)} ms; ${differing} of ${all.length} decisions differ from the uninterrupted run`)
        expect(await second.stats()).toEqual(straight.stats)
      } finally {
        await second.close()
      }
    }, 120_000)
  })
}

for (const dialect of DIALECTS) {
  describe(`the kind of device a context showed, after a restart on ${dialect}`, () => {
    it('comes back with it: its language and the model its user agent names', async () => {
      const db = await createTestDatabase(dialect)
      const dir = mkdtempSync(join(tmpdir(), 'linkprint-kind-'))
      const file = join(dir, 'events.ndjson')
      const facebook = 'Mozilla/5.0 (Linux; Android 14; SM-A155F Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/140.0.7339.51 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/520.0.0.40.80;IABMV/1;]'
      writeFileSync(file, [
        { type: 'link', slug: 'kind', url: 'https://example.org/kind' },
        { type: 'click', id: 'e1', ts: '2026-10-05T08:00:00.000Z', method: 'GET', path: '/kind', ip: '93.45.12.7', jar: 'fb', headers: { 'user-agent': facebook, 'accept-language': 'de-DE,de;q=0.9', accept: 'text/html' } },
      ].map((l) => JSON.stringify(l)).join('\n') + '\n')
      try {
        const first = await openReplayService(db.url)
        await first.run(file)
        const key = (await first.linkprint.storage.identity.recentFingerprints(1))[0]!.key
        const live = first.linkprint.identity.state.get(key)!
        expect({ language: live.language, model: live.model }).toEqual({ language: 'de', model: 'SM-A155F' })
        await first.close()
        const second = await openReplayService(db.url)
        try {
          const reloaded = second.linkprint.identity.state.get(key)!
          expect({ language: reloaded.language, model: reloaded.model }).toEqual({ language: 'de', model: 'SM-A155F' })
        } finally {
          await second.close()
        }
      } finally {
        await db.drop()
      }
    }, 60_000)
  })
}
