import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openRepositories } from '../../src/storage/open-repositories.js'
import { clickRecord } from '../helpers/click-records.js'
import { runCli } from '../helpers/run-cli.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/test-databases.js'

const DAY = 86_400_000

const run = runCli

for (const dialect of DIALECTS) {
  describe(`linkprint retention on ${dialect}`, () => {
    let db: TestDatabase
    let env: NodeJS.ProcessEnv
    beforeAll(async () => {
      db = await createTestDatabase(dialect)
      env = { DATABASE_URL: db.url, SECRET: 'test-secret-test-secret', GEOIP_DB: 'off' }
      const storage = openRepositories(db.url)
      try {
        await storage.migrateUp()
        const userId = (await storage.users.createUser({ email: 'a@example.com', passwordHash: 'x', isAdmin: true, createdAt: 1 })).id
        const link = await storage.links.createLink({ slug: 'cli-old', url: 'https://example.org/', userId, createdAt: 1, updatedAt: 1, expiresAt: null, maxClicks: null, redirectStatus: 302, tags: [] })
        const now = Date.now()
        await storage.clicks.insertClicks([clickRecord(link.id, now - 50 * DAY), clickRecord(link.id, now - 40 * DAY), clickRecord(link.id, now - DAY)])
      } finally {
        await storage.close()
      }
    })
    afterAll(() => db.drop())

    it('refuses to run without RETENTION_DAYS or --days', async () => {
      const res = await run(env, 'retention')
      expect(res.code).toBe(1)
      expect(res.err).toContain('RETENTION_DAYS')
    })

    it('prints what a dry run would delete, deletes nothing, then deletes it', async () => {
      const dry = await run({ ...env, RETENTION_DAYS: '30' }, 'retention', '--dry-run')
      expect(dry.code).toBe(0)
      expect(dry.out).toMatch(/^would delete 2 clicks, 0 fingerprints and 0 correlations older than \d{4}-/)
      const json = await run(env, 'retention', '--days', '30', '--dry-run', '--json')
      expect(JSON.parse(json.out)).toMatchObject({ dryRun: true, clicks: 2, fingerprints: 0, correlations: 0, cutoff: expect.any(String) })
      const real = await run(env, 'retention', '--days', '30', '--json')
      expect(JSON.parse(real.out)).toMatchObject({ dryRun: false, clicks: 2, complete: true })
      expect((await run({ ...env, RETENTION_DAYS: '30' }, 'retention')).out).toMatch(/^deleted 0 clicks/)
      expect(JSON.parse((await run(env, 'stats', 'cli-old', '--json')).out)).toMatchObject({ clicks: 1 })
      expect((await run(env, 'retention', '--days', 'zero')).code).toBe(1)
    })
  })
}
