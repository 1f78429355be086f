import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/test-databases.js'

/** Exports as the other shorteners write them (docs/import.md), each with one line linkprint refuses. */
const EXPORTS = {
  shlink: ['createdAt,domain,shortCode,shortUrl,longUrl,title,tags,visits', '2024-01-02T10:00:00+00:00,s.test,abc12,https://s.test/abc12,https://example.org/shlink,Title,news|spring,12', '2024-01-03T10:00:00+00:00,s.test,bad1,https://s.test/bad1,javascript:alert(1),,,0'].join('\n'),
  bitly: ['id,link,long_url,title,created_at,tags,custom_bitlinks', 'bit.ly/3xYz,https://bit.ly/3xYz,https://example.org/bitly,T,2024-01-01T00:00:00+0000,"a,b",https://bit.ly/spring-sale', 'bit.ly/4abc,https://bit.ly/4abc,ftp://example.org/,T,2024-01-01T00:00:00+0000,,'].join('\n'),
  yourls: ['keyword,url,title,timestamp,ip,clicks', 'ozh,https://example.org/yourls,Ozh,2024-01-01 10:00:00,127.0.0.1,3', 'bad slug!,https://example.org/x,,2024-01-01 10:00:00,127.0.0.1,0'].join('\n'),
  kutt: JSON.stringify({ total: 2, data: [{ address: 'kutt1', target: 'https://example.org/kutt', domain: 'kutt.it', link: 'https://kutt.it/kutt1', visit_count: 4 }, { address: 'kutt2', target: 'not a url' }] }),
} as const

for (const dialect of DIALECTS) {
  describe(`linkprint links import on ${dialect}`, () => {
    let db: TestDatabase
    let env: NodeJS.ProcessEnv
    let dir: string
    beforeAll(async () => {
      db = await createTestDatabase(dialect)
      env = { DATABASE_URL: db.url, PUBLIC_URL: 'https://sho.rt' }
      dir = mkdtempSync(join(tmpdir(), 'linkprint-import-cli-'))
      expect((await runCli(env, 'user', 'add', 'boss@example.com', '--admin')).code).toBe(0)
    }, 60_000)
    afterAll(async () => {
      rmSync(dir, { recursive: true, force: true })
      await db.drop()
    })

    it.each(Object.entries(EXPORTS))('reads a %s export: one link, one failed line, and again nothing', async (from, content) => {
      const file = join(dir, `${from}.${from === 'kutt' ? 'json' : 'csv'}`)
      writeFileSync(file, content)
      const first = await runCli(env, 'links', 'import', file, '--from', from, '--json')
      expect(first.code).toBe(1)
      const report = JSON.parse(first.out)
      expect(report).toMatchObject({ created: 1, skipped: 0, failedCount: 1 })
      expect(report.failed[0].line).toBeGreaterThan(1)
      const again = JSON.parse((await runCli(env, 'links', 'import', file, '--from', from, '--json')).out)
      expect(again).toMatchObject({ created: 0, skipped: 1 })
    })

    it('maps each export onto linkprint\'s slug, URL and tags', async () => {
      const links = JSON.parse((await runCli(env, 'links', 'list', '--json')).out) as Array<{ slug: string; url: string; tags: string[] }>
      const bySlug = Object.fromEntries(links.map((l) => [l.slug, l]))
      expect(bySlug.abc12).toMatchObject({ url: 'https://example.org/shlink', tags: ['news', 'spring'] })
      expect(bySlug['spring-sale']).toMatchObject({ url: 'https://example.org/bitly', tags: ['a', 'b'] })
      expect(bySlug.ozh).toMatchObject({ url: 'https://example.org/yourls' })
      expect(bySlug.kutt1).toMatchObject({ url: 'https://example.org/kutt' })
    })

    it('imports linkprint\'s own CSV, refuses an unknown format, and reports a missing file', async () => {
      const file = join(dir, 'own.csv')
      writeFileSync(file, 'url,slug,tags\nhttps://example.org/own,own-1,"x, y"\n')
      const res = await runCli(env, 'links', 'import', file)
      expect(res.code).toBe(0)
      expect(res.out).toBe('1 created, 0 skipped (slug already there), 0 failed')
      expect((await runCli(env, 'links', 'import', file, '--from', 'tinyurl')).code).toBe(2)
      const missing = await runCli(env, 'links', 'import', join(dir, 'nope.csv'))
      expect(missing.code).not.toBe(0)
      expect(missing.err).toContain('nope.csv')
    })
  })
}
