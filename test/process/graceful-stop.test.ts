import { afterEach, describe, expect, it } from 'vitest'
import { openRepositories } from '../../src/storage/open-repositories.js'
import { startClickLoad, waitFor } from '../helpers/click-load.js'
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

    it('SIGTERM under load: exits 0 and every answered redirect is a stored click', { timeout: 120_000 }, async () => {
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

    it('kill -9 in the middle of the load loses nothing answered more than one flush interval (and the batch being written) earlier', { timeout: 120_000 }, async () => {
      db = await createTestDatabase(dialect)
      const flushMs = 20
      server = await startServerProcess({ DATABASE_URL: db.url, CLICK_FLUSH_MS: String(flushMs) })
      await createLink(server, 'crash')
      const s = server
      const load = startClickLoad(s.baseUrl, 'crash', 16)
      await waitFor('clicks answered', () => load.answered >= 1000, 60_000)
      // The longest batch write the server itself measured: a batch sent before the kill may still be on its way.
      const metrics = await (await fetch(`${s.baseUrl}/metrics`)).text()
      const writeBoundMs = 1000 * longestFlushBound(metrics)
      const killedAt = performance.now()
      s.child.kill('SIGKILL')
      expect(await s.exited).toBeNull()
      const answered = await load.stop()
      const stored = await clicksIn(db)
      expect(stored).toBeLessThanOrEqual(answered)
      const owed = load.answeredAt.filter((t) => t < killedAt - flushMs - writeBoundMs).length
      expect(stored).toBeGreaterThanOrEqual(owed)
    })
  })
}

/** The smallest histogram bound (seconds) holding every batch write linkprint_click_flush_seconds counted. */
function longestFlushBound(metrics: string): number {
  const count = Number(/^linkprint_click_flush_seconds_count (\d+)/m.exec(metrics)?.[1] ?? 0)
  for (const [, le, n] of metrics.matchAll(/^linkprint_click_flush_seconds_bucket\{le="([^"]+)"\} (\d+)/gm)) {
    if (Number(n) === count && le !== '+Inf') return Number(le)
  }
  return 10
}
