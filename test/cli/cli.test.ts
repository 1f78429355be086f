import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/test-databases.js'

const run = runCli

for (const dialect of DIALECTS) {
  describe(`linkprint CLI on ${dialect}`, () => {
    let db: TestDatabase
    let env: NodeJS.ProcessEnv
    beforeAll(async () => {
      db = await createTestDatabase(dialect)
      env = { DATABASE_URL: db.url, PUBLIC_URL: 'https://sho.rt' }
    })
    afterAll(() => db.drop())

    it('migrates, rolls back one step, and reports status', async () => {
      expect((await run(env, 'migrate')).out).toBe('applied 001-initial, 002-identity-engine, 003-sessions, 004-correlation-edges, 005-click-country, 006-link-redirect-mode, 007-domains, 008-click-batches, 009-analytics-rollups, 010-identity-snapshot, 011-clicks-ts-index')
      expect((await run(env, 'migrate')).out).toBe('already up to date')
      expect((await run(env, 'migrate', '--down')).out).toBe('rolled back 011-clicks-ts-index')
      expect((await run(env, 'migrate', '--status')).out).toBe('applied  001-initial\napplied  002-identity-engine\napplied  003-sessions\napplied  004-correlation-edges\napplied  005-click-country\napplied  006-link-redirect-mode\napplied  007-domains\napplied  008-click-batches\napplied  009-analytics-rollups\napplied  010-identity-snapshot\npending  011-clicks-ts-index')
      const json = await run(env, 'migrate', '--json')
      expect(JSON.parse(json.out.split('\n').at(-1)!)).toEqual(['001-initial', '002-identity-engine', '003-sessions', '004-correlation-edges', '005-click-country', '006-link-redirect-mode', '007-domains', '008-click-batches', '009-analytics-rollups', '010-identity-snapshot', '011-clicks-ts-index'].map((name) => ({ name, executedAt: expect.any(String) })))
    })

    it('adds users and links, lists them and prints stats', async () => {
      const noUser = await run(env, 'links', 'add', 'https://example.org')
      expect(noUser.code).toBe(1)
      expect(noUser.err).toContain('No user yet')
      const admin = await run(env, 'user', 'add', 'Boss@Example.com', '--admin', '--json')
      expect(JSON.parse(admin.out)).toMatchObject({ email: 'boss@example.com', isAdmin: true, apiKey: expect.stringMatching(/^lp_/), password: expect.any(String) })
      expect((await run(env, 'links', 'add', 'https://example.org/a', '--slug', 'cli-a')).out).toBe('https://sho.rt/cli-a')
      const json = JSON.parse((await run(env, 'links', 'add', 'https://example.org/b', '--json')).out)
      expect(json).toMatchObject({ url: 'https://example.org/b', shortUrl: expect.stringMatching(/^https:\/\/sho\.rt\/\w{7}$/), redirectMode: null })
      expect(JSON.parse((await run(env, 'links', 'add', 'https://example.org/c', '--slug', 'cli-c', '--redirect-mode', 'bridge', '--json')).out)).toMatchObject({ slug: 'cli-c', redirectMode: 'bridge' })
      const badMode = await run(env, 'links', 'add', 'https://example.org/d', '--redirect-mode', 'sometimes')
      expect(badMode.code).toBe(2)
      expect(badMode.err).toContain('--redirect-mode must be direct or bridge')
      const list = await run(env, 'links', 'list')
      expect(list.out).toContain('cli-a')
      expect(JSON.parse((await run(env, 'links', 'list', '--json')).out)).toHaveLength(3)
      const stats = JSON.parse((await run(env, 'stats', '--json')).out)
      expect(stats).toContainEqual({ slug: 'cli-a', clicks: 0, browserUniqueClicks: 0, deviceUniqueClicks: 0, avgConfidence: null, botClicks: 0 })
      expect(JSON.parse((await run(env, 'stats', 'cli-a', '--json')).out)).toMatchObject({ slug: 'cli-a' })
      expect((await run(env, 'stats')).out).toMatch(/^slug\s+clicks\s+browsers\s+devices/)
    })

    it('rejects bad input with a message and a non-zero code', async () => {
      expect((await run(env, 'links', 'add', 'javascript:alert(1)')).err).toContain('URL_SCHEME_NOT_ALLOWED')
      expect((await run(env, 'links', 'add', 'https://example.org', '--slug', 'api')).err).toContain('SLUG_RESERVED')
      expect((await run(env, 'links', 'add', 'https://example.org', '--slug', 'cli-a')).err).toContain('SLUG_TAKEN')
      expect((await run(env, 'user', 'add', 'not-an-email')).code).toBe(1)
      expect((await run(env, 'stats', 'nope')).code).toBe(1)
      expect((await run(env, 'links', 'add', 'https://example.org', '--bogus')).code).toBe(2)
      expect((await run(env, 'frobnicate')).code).toBe(2)
      expect((await run({ DATABASE_URL: 'mysql://x' }, 'stats')).err).toContain('DATABASE_URL')
      expect((await run({ ...env, PORT: 'eighty' }, 'stats')).err).toContain('PORT')
    })

    it('says what is wrong with a file, a port or a database it cannot use, without a stack trace', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'linkprint-cli-'))
      const events = join(dir, 'events.ndjson')
      writeFileSync(events, '{"type":"link","slug":"cli-replay","url":"https://example.org/r"}\n')
      const failures = [
        [await run(env, 'replay', join(dir, 'missing.ndjson')), 'ENOENT'],
        [await run(env, 'replay', dir), 'is a directory'],
        [await run(env, 'replay', events, '--decisions', join(dir, 'no-such-folder', 'out.ndjson')), 'ENOENT'],
        [await run({ DATABASE_URL: `sqlite:${dir}` }, 'stats'), 'check the path in DATABASE_URL'],
        [await run({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' }, 'stats'), 'is the database server running?'],
      ] as const
      for (const [result, message] of failures) {
        expect(result.code).toBe(1)
        expect(result.err).toContain(message)
        expect(result.err).not.toContain('    at ')
      }
      // The replay whose decisions file could not be opened wrote nothing: its link does not exist.
      expect((await run(env, 'stats', 'cli-replay')).err).toContain('LINK_NOT_FOUND')
      rmSync(dir, { recursive: true })
    })

    it('serve stops with a message when its port is taken', async () => {
      const taken = createServer()
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
      const { port } = taken.address() as AddressInfo
      const result = await run({ ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent' }, 'serve')
      taken.close()
      expect(result.code).toBe(1)
      expect(result.err).toContain('EADDRINUSE')
      expect(result.err).toContain('set PORT')
    })
  })
}
