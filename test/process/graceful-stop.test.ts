import { afterEach, describe, expect, it } from 'vitest'
import { openRepositories } from '../../src/storage/open-repositories.js'
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/test-databases.js'

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

async function createLink(server: ServerProcess, slug: string) {
  const key = /API key:\s+(\S+)/.exec(server.output())?.[1]
  const res = await fetch(`${server.baseUrl}/api/links`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://example.org/', slug }) })
  expect(res.status).toBe(201)
}

/** Fires `total` redirects, `concurrency` at a time; counts the ones answered with a redirect. */
async function fire(server: ServerProcess, slug: string, total: number, concurrency: number, onAnswered?: (n: number) => void) {
  let sent = 0
  let answered = 0
  const worker = async () => {
    while (sent < total) {
      sent++
      try {
        const res = await fetch(`${server.baseUrl}/${slug}`, { redirect: 'manual', headers: { 'user-agent': UA } })
        await res.arrayBuffer()
        if (res.status === 302) {
          answered++
          onAnswered?.(answered)
        }
      } catch {
        // Refused once the server stops accepting: such a request was never answered, so it owes no click.
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return answered
}

async function clicksIn(db: TestDatabase) {
  const storage = openRepositories(db.url)
  try {
    return await storage.clicks.countClicks()
  } finally {
    await storage.close()
  }
}

for (const dialect of DIALECTS) {
  describe(`stopping the service on ${dialect}`, () => {
    let db: TestDatabase | undefined
    let server: ServerProcess | undefined
    afterEach(async () => {
      if (server?.child.exitCode === null) server.child.kill('SIGKILL')
      await db?.drop()
    })

    it('SIGTERM under load: exits 0 and every answered redirect is a stored click', async () => {
      db = await createTestDatabase(dialect)
      server = await startServerProcess({ DATABASE_URL: db.url })
      await createLink(server, 'load')
      const s = server
      const answered = await fire(s, 'load', 3000, 32, (n) => {
        if (n === 1000) s.child.kill('SIGTERM')
      })
      expect(await s.exited).toBe(0)
      expect(answered).toBeGreaterThanOrEqual(1000)
      expect(await clicksIn(db)).toBe(answered)
    })

    it('kill -9 loses nothing answered more than one flush interval earlier', async () => {
      db = await createTestDatabase(dialect)
      server = await startServerProcess({ DATABASE_URL: db.url, CLICK_FLUSH_MS: '20' })
      await createLink(server, 'crash')
      const answered = await fire(server, 'crash', 500, 16)
      // 20 flush intervals: room for the last batch's write on a loaded CI machine.
      await new Promise((r) => setTimeout(r, 1000))
      server.child.kill('SIGKILL')
      expect(await server.exited).toBeNull()
      expect(await clicksIn(db)).toBe(answered)
    })
  })
}
