import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deserialize, serialize } from 'node:v8'
import { CookieJar } from 'tough-cookie'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeSnapshot } from '../../src/identity/snapshot/snapshot-format.js'
import type { IdentitySnapshotStore } from '../../src/identity/snapshot/snapshot-store.js'
import type { LinkprintLog } from '../../src/linkprint.js'
import type { ReplayDecision } from '../../src/replay/replay.js'
import { partsOf, snapshotStoreOf } from '../helpers/identity-snapshot-store.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/test-databases.js'
import { clusterPartition, openReplayService, simulatedFiles, simulatedParts } from '../helpers/replay-service.js'

/** What must not depend on a restart: each click's decision (ids differ between runs: cookies are random). */
const flags = (d: ReplayDecision) => ({ id: d.id, confidence: d.confidence, browserUnique: d.browserUnique, deviceUnique: d.deviceUnique, bot: d.bot })

/** Every start loads the database in full. */
const NO_SNAPSHOTS = { IDENTITY_SNAPSHOT_INTERVAL_MS: '0' }

/** The service's log lines, to read why a snapshot was or was not used. */
function lines(): { log: LinkprintLog; messages: string[] } {
  const messages: string[] = []
  const note = (_: object, message: string) => void messages.push(message)
  return { log: { info: note, warn: note, error: note }, messages }
}

// Mixed traffic over six days (merges from SDK hashes, shared networks, private windows on
// both sides of the restart), and an office (crowded addresses, identical machines).
const TRAFFIC = [
  { profile: 'mixed', seed: 17, sdkShare: 0.5, people: 300, days: 6 },
  { profile: 'office', seed: 5, sdkShare: 0.5, people: 200, days: 3 },
] as const

for (const dialect of DIALECTS) for (const traffic of TRAFFIC) {
  describe(`working state after a restart on ${dialect}, ${traffic.profile} traffic`, () => {
    const files = simulatedFiles(traffic)
    const thirds = simulatedParts(traffic, [1 / 3, 2 / 3])
    const dbs: TestDatabase[] = []
    let straight: { decisions: ReplayDecision[]; stats: unknown; partition: unknown }
    beforeAll(async () => {
      const db = await createTestDatabase(dialect)
      dbs.push(db)
      const svc = await openReplayService(db.url, {}, NO_SNAPSHOTS)
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

    /** A database of the test's own, its snapshot where the service keeps it, and the simulated browsers' cookie jars; the store is closed after `body`. */
    async function withSnapshotStore(body: (s: { db: TestDatabase; store: IdentitySnapshotStore; file: string | null; jars: Map<string, CookieJar> }) => Promise<void>): Promise<void> {
      const db = await createTestDatabase(dialect)
      dbs.push(db)
      const { store, file, close } = snapshotStoreOf(db.url)
      try {
        await body({ db, store, file, jars: new Map() })
      } finally {
        await close()
      }
    }

    it('replaying half a file, restarting and replaying the rest decides as one uninterrupted run (loaded from the database)', async () => {
      const db = await createTestDatabase(dialect)
      dbs.push(db)
      // The browsers keep their cookies while the server restarts.
      const jars = new Map<string, CookieJar>()
      const first = await openReplayService(db.url, {}, NO_SNAPSHOTS)
      const before = await first.run(files.first, jars)
      expect(first.linkprint.identityLoad.upToClickId).toBe(0)
      await first.close()

      const second = await openReplayService(db.url, {}, NO_SNAPSHOTS)
      try {
        const load = second.linkprint.identityLoad
        expect(load.snapshotClickId).toBeNull()
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

    it('a snapshot after a third, more clicks, a stop without a shutdown snapshot: the snapshot and the clicks after it decide as one uninterrupted run', () => withSnapshotStore(async ({ db, store, jars }) => {
      const first = await openReplayService(db.url)
      const one = await first.run(thirds[0]!, jars)
      const written = (await first.linkprint.identitySnapshots!.write())!
      expect(written.upToClickId).toBeGreaterThan(0)
      const third = (await store.read())!
      const two = await first.run(thirds[1]!, jars)
      await first.close()
      // As if the process had died after the clicks of the second third: its shutdown snapshot never written.
      await store.write(partsOf(third))

      const { log, messages } = lines()
      const second = await openReplayService(db.url, { log })
      try {
        const load = second.linkprint.identityLoad
        expect(load.snapshotClickId).toBe(written.upToClickId)
        expect(load.upToClickId).toBeGreaterThan(written.upToClickId)
        expect(load.sightings).toBeGreaterThan(0)
        expect(messages).toContain('identity state: loaded from its snapshot and the clicks after it')
        const rest = await second.run(thirds[2]!, jars)
        expect([...one, ...two, ...rest].map(flags)).toEqual(straight.decisions.map(flags))
        expect(await second.stats()).toEqual(straight.stats)
        expect(await clusterPartition(second.linkprint)).toEqual(straight.partition)
      } finally {
        await second.close()
      }
    }), 180_000)

    it('with a sighting window shorter than the history, older contexts come back at their last click', async () => {
      const db = await createTestDatabase(dialect)
      dbs.push(db)
      const jars = new Map<string, CookieJar>()
      const first = await openReplayService(db.url, {}, NO_SNAPSHOTS)
      const before = await first.run(files.first, jars)
      await first.close()
      const second = await openReplayService(db.url, { restore: { sightingWindowMs: 86_400_000 } }, NO_SNAPSHOTS)
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

    if (traffic.profile !== 'mixed') return

    /** Ways a stored snapshot can be unusable, each applied to the parts as stored. */
    const DAMAGE: Array<{ name: string; reason: RegExp; damage: (parts: Buffer[]) => Buffer[] }> = [
      { name: 'truncated', reason: /truncated/, damage: (parts) => parts.slice(0, -2) },
      { name: 'corrupt', reason: /corrupt/, damage: (parts) => [parts[0]!, Buffer.from('not a snapshot part at all'), ...parts.slice(2)] },
      {
        name: 'of another fingerprint version', reason: /fingerprint version/,
        damage: (parts) => {
          const head = deserialize(parts[0]!) as { meta: { fingerprintVersion: number } }
          return [serialize({ ...head, meta: { ...head.meta, fingerprintVersion: head.meta.fingerprintVersion + 1 } }), ...parts.slice(1)]
        },
      },
    ]
    for (const { name, reason, damage } of DAMAGE) {
      it(`a snapshot ${name} is not used: the start loads the database, says why, and decides as one uninterrupted run`, () => withSnapshotStore(async ({ db, store, jars }) => {
        const first = await openReplayService(db.url)
        const before = await first.run(files.first, jars)
        await first.close()
        const stored = (await store.read())!
        expect(stored.length).toBeGreaterThan(3)
        await store.write(partsOf(damage(stored)))

        const { log, messages } = lines()
        const second = await openReplayService(db.url, { log })
        try {
          expect(second.linkprint.identityLoad.snapshotClickId).toBeNull()
          expect(messages.filter((m) => m.startsWith('identity state: snapshot not used'))).toHaveLength(1)
          expect(messages.find((m) => m.startsWith('identity state: snapshot not used'))).toMatch(reason)
          const after = await second.run(files.second, jars)
          expect([...before, ...after].map(flags)).toEqual(straight.decisions.map(flags))
          expect(await second.stats()).toEqual(straight.stats)
        } finally {
          await second.close()
        }
      }), 180_000)
    }

    it('a write that fails midway (a crash, a full disk) leaves the previous snapshot, which the next start uses', () => withSnapshotStore(async ({ db, store, file, jars }) => {
      const first = await openReplayService(db.url)
      const one = await first.run(thirds[0]!, jars)
      await first.close()
      const previous = (await store.read())!
      async function* dying() {
        yield previous[0]!
        throw new Error('the process died here')
      }
      await expect(store.write(dying())).rejects.toThrow('the process died here')
      // A crash leaves its temp file behind; the next write overwrites it, the next start ignores it.
      if (file !== null) writeFileSync(`${file}.tmp`, 'half a snapshot')
      expect(await store.read()).toEqual(previous)

      const second = await openReplayService(db.url)
      try {
        expect(second.linkprint.identityLoad.snapshotClickId).toBe(second.linkprint.identityLoad.upToClickId)
        const rest = [...await second.run(thirds[1]!, jars), ...await second.run(thirds[2]!, jars)]
        expect([...one, ...rest].map(flags)).toEqual(straight.decisions.map(flags))
        expect(await second.stats()).toEqual(straight.stats)
      } finally {
        await second.close()
      }
    }), 180_000)

    it('an erased visitor leaves the snapshot at once and does not come back after a restart', () => withSnapshotStore(async ({ db, store, jars }) => {
      const first = await openReplayService(db.url)
      await first.run(thirds[0]!, jars)
      await first.linkprint.identitySnapshots!.write()
      // A visitor with several contexts: a merged one's device cluster.
      const merged = (await first.linkprint.storage.identity.memberships('', 1))[0]!
      const visitor = (await first.linkprint.visitorData.find(merged.key, 'device'))!
      expect(visitor.contexts.length).toBeGreaterThan(1)
      const named = (parts: readonly Buffer[] | null) => visitor.contexts.filter((key) => (parts ?? []).some((part) => part.includes(key)))
      expect(named(await store.read())).toEqual(visitor.contexts)

      await first.linkprint.visitorData.erase(visitor)
      // Gone when the erasure returns (the stored snapshot is removed), and from the one written next.
      expect(named(await store.read())).toEqual([])
      await first.linkprint.identitySnapshots!.write()
      const rewritten = (await store.read())!
      expect(decodeSnapshot(rewritten).content.entities.key.length).toBeGreaterThan(0)
      expect(named(rewritten)).toEqual([])
      await first.close()
      expect(named(await store.read())).toEqual([])

      const second = await openReplayService(db.url)
      try {
        expect(second.linkprint.identityLoad.snapshotClickId).not.toBeNull()
        const state = second.linkprint.identity.state
        for (const key of visitor.contexts) {
          expect(state.get(key)).toBeUndefined()
          expect(state.find('device', key)).toBe(key)
        }
      } finally {
        await second.close()
      }
    }), 180_000)
  })
}

for (const dialect of DIALECTS) {
  describe(`the kind of device a context showed, after a restart on ${dialect}`, () => {
    for (const [how, env] of [['from the database', NO_SNAPSHOTS], ['from the snapshot', {}]] as const) {
      it(`comes back with it (${how}): its language and the model its user agent names`, async () => {
        const db = await createTestDatabase(dialect)
        const dir = mkdtempSync(join(tmpdir(), 'linkprint-kind-'))
        const file = join(dir, 'events.ndjson')
        const facebook = 'Mozilla/5.0 (Linux; Android 14; SM-A155F Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/140.0.7339.51 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/520.0.0.40.80;IABMV/1;]'
        writeFileSync(file, [
          { type: 'link', slug: 'kind', url: 'https://example.org/kind' },
          { type: 'click', id: 'e1', ts: '2026-10-05T08:00:00.000Z', method: 'GET', path: '/kind', ip: '93.45.12.7', jar: 'fb', headers: { 'user-agent': facebook, 'accept-language': 'de-DE,de;q=0.9', accept: 'text/html' } },
        ].map((l) => JSON.stringify(l)).join('\n') + '\n')
        try {
          const first = await openReplayService(db.url, {}, env)
          await first.run(file)
          const key = (await first.linkprint.storage.identity.recentFingerprints(1))[0]!.key
          const live = first.linkprint.identity.state.get(key)!
          expect({ language: live.language, model: live.model }).toEqual({ language: 'de', model: 'SM-A155F' })
          await first.close()
          const second = await openReplayService(db.url, {}, env)
          try {
            expect(second.linkprint.identityLoad.snapshotClickId === null).toBe(how === 'from the database')
            const reloaded = second.linkprint.identity.state.get(key)!
            expect({ language: reloaded.language, model: reloaded.model }).toEqual({ language: 'de', model: 'SM-A155F' })
          } finally {
            await second.close()
          }
        } finally {
          await db.drop()
        }
      }, 60_000)
    }
  })
}
