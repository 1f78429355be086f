import { CookieJar } from 'tough-cookie'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { MIGRATION_SETTING } from '../../src/jobs/fingerprint-migration.js'
import { openRepositories } from '../../src/storage/open-repositories.js'
import { killableStorage } from '../helpers/killable-storage.js'
import { clusterPartition, openReplayService, simulatedFiles, type ReplayService } from '../helpers/replay-service.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/test-databases.js'
import { bearer } from '../helpers/test-service.js'

const ROUTE = '/api/admin/migrate-fingerprinting'

for (const dialect of DIALECTS) {
  describe(`fingerprint migration on ${dialect}`, () => {
    const files = simulatedFiles({ profile: 'mixed', seed: 23, sdkShare: 0.5, people: 220, days: 4 })
    const dbs: TestDatabase[] = []
    /** The numbers of the engine running live over the whole file: what every migration must give back. */
    let live: { stats: unknown; partition: unknown; clicks: number }

    async function database() {
      const db = await createTestDatabase(dialect)
      dbs.push(db)
      return db
    }
    const post = (svc: ReplayService, payload: unknown, headers: Record<string, string> = bearer(svc.adminKey)) =>
      svc.app.inject({ method: 'POST', url: ROUTE, headers, payload: payload as object })
    const status = async (svc: ReplayService) => (await svc.app.inject({ method: 'GET', url: ROUTE, headers: bearer(svc.adminKey) })).json()

    beforeAll(async () => {
      const svc = await openReplayService((await database()).url)
      try {
        await svc.run(files.all)
        live = { stats: await svc.stats(), partition: await clusterPartition(svc.linkprint), clicks: await svc.linkprint.storage.clicks.countClicks() }
      } finally {
        await svc.close()
      }
    }, 120_000)
    afterAll(async () => {
      for (const db of dbs) await db.drop()
    })

    it('rollback serves the legacy numbers at once; migrate rebuilds the live numbers from the stored signals', async () => {
      const svc = await openReplayService((await database()).url, { migrationChunkSize: 100 })
      try {
        await svc.run(files.all)
        expect(await svc.stats()).toEqual(live.stats)
        expect(await status(svc)).toMatchObject({ algorithm: 'robust', job: { state: 'idle' } })

        const rolled = await post(svc, { action: 'rollback' })
        expect(rolled.statusCode).toBe(200)
        expect(rolled.json()).toMatchObject({ algorithm: 'legacy' })
        // Legacy: one visitor per cookie (else address + user agent), browsers and devices alike.
        const legacy = await svc.stats()
        for (const s of legacy) expect(s.browserUniqueClicks).toBe(s.deviceUniqueClicks)
        expect(legacy).not.toEqual(live.stats)
        const view = await svc.linkprint.storage.analytics.unifiedClickAnalytics()
        for (const s of legacy) expect(view.find((v) => v.totalClicks === s.clicks && v.deviceUniqueClicks === s.deviceUniqueClicks)).toBeDefined()

        const started = await post(svc, { action: 'migrate' })
        expect(started.statusCode).toBe(202)
        expect(started.json()).toMatchObject({ algorithm: 'legacy', job: { state: 'running', processed: 0, total: live.clicks } })
        await svc.linkprint.fingerprintMigration.settled()
        const done = await status(svc)
        expect(done).toMatchObject({ algorithm: 'robust', fingerprintVersion: expect.any(Number), job: { state: 'done', processed: live.clicks, total: live.clicks, skipped: 0, error: null, resumes: 0 } })
        expect(done.job.finishedAt >= done.job.startedAt).toBe(true)
        expect(await svc.stats()).toEqual(live.stats)
        expect(await clusterPartition(svc.linkprint)).toEqual(live.partition)

        // Migrating again (nothing changed) is the same rebuild, and gives the same numbers.
        expect((await post(svc, { action: 'migrate' })).statusCode).toBe(202)
        await svc.linkprint.fingerprintMigration.settled()
        expect(await svc.stats()).toEqual(live.stats)
      } finally {
        await svc.close()
      }
    }, 120_000)

    it('a job killed mid-way resumes after a restart and finishes with the live numbers', async () => {
      const db = await database()
      const seed = await openReplayService(db.url)
      await seed.run(files.all)
      await seed.close()

      const killable = killableStorage(openRepositories(db.url))
      const doomed = await openReplayService(db.url, { storage: killable.storage, migrationChunkSize: 100 })
      expect((await post(doomed, { action: 'rollback' })).statusCode).toBe(200)
      killable.holdWritesAfter(3)
      expect((await post(doomed, { action: 'migrate' })).statusCode).toBe(202)
      await killable.parked()
      // Three chunks committed, the fourth resolved in memory only: the process dies here.
      killable.kill()

      const restarted = await openReplayService(db.url, { migrationChunkSize: 100 })
      try {
        // The state was reloaded as the job left it, at its cursor, and the job went on from there.
        expect(restarted.linkprint.identityLoad.upToClickId).toBe(300)
        const resumed = await restarted.linkprint.fingerprintMigration.settled()
        expect(resumed.job).toMatchObject({ state: 'done', processed: live.clicks, total: live.clicks, resumes: 1, error: null })
        expect(resumed.algorithm).toBe('robust')
        expect(await restarted.stats()).toEqual(live.stats)
        expect(await clusterPartition(restarted.linkprint)).toEqual(live.partition)
      } finally {
        await restarted.close()
        await doomed.app.close()
        await doomed.linkprint.close()
      }
    }, 120_000)

    it('clicks that arrive while the job runs are resolved by it in order, including those still queued at the hand-over', async () => {
      const db = await database()
      const killable = killableStorage(openRepositories(db.url))
      // Small click batches: the one batch the stalled disk holds takes 20 clicks, and the rest of
      // the second half stays queued until the hand-over however fast it is replayed (with one
      // batch of up to 2 000, a replay quicker than CLICK_FLUSH_MS put all of it in that batch).
      const svc = await openReplayService(db.url, { storage: killable.storage, migrationChunkSize: 60 }, { CLICK_BATCH_MAX: '20' })
      try {
        const jars = new Map<string, CookieJar>()
        await svc.run(files.first, jars)
        await post(svc, { action: 'rollback' })
        // The job goes through the first half and is held on its last chunk of it.
        killable.holdWritesAfter(Math.ceil((await svc.linkprint.storage.clicks.countClicks()) / 60) - 1)
        expect((await post(svc, { action: 'migrate' })).statusCode).toBe(202)
        await killable.parked()
        // The job is held mid-way; the second half arrives meanwhile and waits for it. The
        // disk stalls until the job hands over, so part of it is still queued in the writer then.
        const writer = svc.linkprint.writer
        const pause = writer.pause.bind(writer)
        const resume = writer.resume.bind(writer)
        let handedOver: Array<{ human: boolean; resolved: boolean }> = []
        writer.pause = () => {
          killable.unblockInserts()
          return pause()
        }
        writer.resume = () => {
          handedOver = writer.queued.map((r) => ({ human: r.click.is_bot === 0, resolved: r.click.identity_source !== null }))
          resume()
        }
        killable.blockInserts()
        const second = svc.run(files.second, jars)
        // Awaited, not slept for: the job defers, and human clicks of the second half wait in the writer's queue.
        await vi.waitFor(() => {
          expect(svc.linkprint.fingerprintMigration.deferring).toBe(true)
          expect(writer.queued.filter((r) => r.click.is_bot === 0).length).toBeGreaterThanOrEqual(20)
        }, { timeout: 60_000, interval: 20 })
        const during = await status(svc)
        expect(during).toMatchObject({ algorithm: 'legacy', job: { state: 'running' } })
        killable.release()
        await second
        await svc.linkprint.fingerprintMigration.settled()
        const queuedHumans = handedOver.filter((r) => r.human)
        expect(queuedHumans.length).toBeGreaterThan(0)
        expect(queuedHumans.every((r) => r.resolved)).toBe(true)
        expect(svc.linkprint.fingerprintMigration.deferring).toBe(false)
        // The clicks after the hand-over were resolved live, as usual: the job did the rest.
        const after = await status(svc)
        expect(after).toMatchObject({ algorithm: 'robust', job: { state: 'done', error: null } })
        expect(after.job.processed).toBeGreaterThan(live.clicks / 2)
        expect(await svc.stats()).toEqual(live.stats)
        expect(await clusterPartition(svc.linkprint)).toEqual(live.partition)
      } finally {
        await svc.close()
      }
    }, 120_000)

    it('is for admins only and refuses hostile bodies with 4xx codes', async () => {
      const svc = await openReplayService((await database()).url)
      try {
        const user = await svc.linkprint.auth.createUser('someone@example.com', 'not an admin at all', false)
        const { key: userKey } = await svc.linkprint.auth.issueApiKey(user.id, 'k')
        const get = (headers: Record<string, string>) => svc.app.inject({ method: 'GET', url: ROUTE, headers })
        expect((await get({})).json().error.code).toBe('UNAUTHORIZED')
        expect((await get(bearer(userKey))).statusCode).toBe(403)
        expect((await get({ authorization: 'Bearer nope' })).statusCode).toBe(401)
        expect((await post(svc, { action: 'migrate' }, {})).statusCode).toBe(401)
        expect((await post(svc, { action: 'migrate' }, bearer(userKey))).json().error.code).toBe('FORBIDDEN')

        const cases: Array<[string, { payload: string; type?: string }, number, string]> = [
          ['unknown action', { payload: '{"action":"nuke"}' }, 400, 'VALIDATION_FAILED'],
          ['action in another case', { payload: '{"action":"MIGRATE"}' }, 400, 'VALIDATION_FAILED'],
          ['unknown field', { payload: '{"action":"migrate","force":true}' }, 400, 'VALIDATION_FAILED'],
          ['no action', { payload: '{}' }, 400, 'VALIDATION_FAILED'],
          ['action as an array', { payload: '{"action":["migrate"]}' }, 400, 'VALIDATION_FAILED'],
          ['a bare string', { payload: '"migrate"' }, 400, 'VALIDATION_FAILED'],
          ['an array', { payload: '[{"action":"migrate"}]' }, 400, 'VALIDATION_FAILED'],
          ['null', { payload: 'null' }, 400, 'VALIDATION_FAILED'],
          ['prototype pollution', { payload: '{"action":"migrate","__proto__":{"admin":true}}' }, 400, 'INVALID_JSON'],
          ['broken JSON', { payload: '{"action":' }, 400, 'INVALID_JSON'],
          ['empty body', { payload: '' }, 400, 'INVALID_JSON'],
          ['not JSON', { payload: 'action=migrate', type: 'application/x-www-form-urlencoded' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
          ['text/plain', { payload: 'migrate', type: 'text/plain' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
          ['oversized', { payload: JSON.stringify({ action: 'migrate', pad: 'x'.repeat(70_000) }) }, 413, 'BODY_TOO_LARGE'],
        ]
        for (const [name, { payload, type }, code, error] of cases) {
          const res = await svc.app.inject({ method: 'POST', url: ROUTE, headers: { ...bearer(svc.adminKey), 'content-type': type ?? 'application/json' }, payload })
          expect({ name, status: res.statusCode, code: res.json().error?.code }).toEqual({ name, status: code, code: error })
        }
        // Nothing above started anything.
        expect(await status(svc)).toMatchObject({ algorithm: 'robust', job: { state: 'idle' } })
        expect(await svc.linkprint.storage.settings.getSetting(MIGRATION_SETTING)).toBeUndefined()

        // One job at a time.
        await svc.run(files.first)
        const [a, b] = await Promise.all([post(svc, { action: 'migrate' }), post(svc, { action: 'migrate' })])
        expect([a.statusCode, b.statusCode].sort()).toEqual([202, 409])
        expect([a, b].find((r) => r.statusCode === 409)!.json().error.code).toBe('MIGRATION_RUNNING')
        await svc.linkprint.fingerprintMigration.settled()
      } finally {
        await svc.close()
      }
    }, 120_000)
  })
}
