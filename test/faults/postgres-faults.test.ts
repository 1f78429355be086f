import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { openRepositories } from '../../src/storage/open-repositories.js'
import { health, startClickLoad, waitFor } from '../helpers/click-load.js'
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'
import { createTestDatabase, DIALECTS, POSTGRES_ADMIN_URL, type TestDatabase } from '../helpers/test-databases.js'

async function storedClicks(url: string): Promise<number> {
  const storage = openRepositories(url)
  try {
    return await storage.clicks.countClicks()
  } finally {
    await storage.close()
  }
}

/** Ends every backend of the database, as an operator's pg_terminate_backend (or a PostgreSQL restart) would. */
async function terminateBackends(database: string): Promise<number> {
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
  await admin.connect()
  try {
    const { rows } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database])
    return rows.length
  } finally {
    await admin.end()
  }
}

describe.skipIf(!DIALECTS.includes('postgres'))('PostgreSQL faults under load, the service as a real process', () => {
  let db: TestDatabase | undefined
  let proxy: TcpProxy | undefined
  let server: ServerProcess | undefined
  afterEach(async () => {
    if (server?.alive()) server.child.kill('SIGKILL')
    await proxy?.close()
    await db?.drop()
  })

  it('a cut link and terminated backends: the process lives, health tells, API answers 503, and every answered redirect is stored', { timeout: 120_000 }, async () => {
    db = await createTestDatabase('postgres')
    proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 })
    const proxied = new URL(db.url)
    proxied.port = String(proxy.port)
    server = await startServerProcess({ DATABASE_URL: proxied.toString() })
    const s = server
    const api = (path: string, init: RequestInit = {}) => fetch(s.baseUrl + path, { ...init, headers: { authorization: `Bearer ${s.adminKey}`, 'content-type': 'application/json' }, signal: AbortSignal.timeout(30_000) })
    expect((await api('/api/links', { method: 'POST', body: JSON.stringify({ url: 'https://example.org/', slug: 'load' }) })).status).toBe(201)

    const load = startClickLoad(s.baseUrl, 'load', 16)
    await waitFor('some clicks answered', () => load.answered >= 300)

    // 1. The TCP link is cut, and stays cut for a while.
    proxy.cut()
    await waitFor('/healthz/ready to say 503', async () => (await health(s.baseUrl, '/healthz/ready')).status === 503)
    const ready = await health(s.baseUrl, '/healthz/ready')
    expect(ready.body.reason).toMatch(/click writes failing|database unreachable/)
    expect(ready.retryAfter).not.toBeNull()
    expect((await health(s.baseUrl, '/healthz')).status).toBe(503)
    expect((await health(s.baseUrl, '/healthz/live')).status).toBe(200)
    const created = await api('/api/links', { method: 'POST', body: JSON.stringify({ url: 'https://example.org/b', slug: 'during-cut' }) })
    expect(created.status).toBe(503)
    expect(created.headers.get('retry-after')).not.toBeNull()
    expect(((await created.json()) as { error: { code: string } }).error.code).toBe('DATABASE_UNAVAILABLE')
    // The cached link keeps redirecting meanwhile: its clicks queue.
    const beforeOutageEnds = load.answered
    await waitFor('redirects answered during the cut', () => load.answered >= beforeOutageEnds + 200)
    proxy.restore()
    await waitFor('/healthz/ready to recover', async () => (await health(s.baseUrl, '/healthz/ready')).status === 200)

    // 2. Every backend is terminated (a PostgreSQL restart does the same), under load.
    const atSecond = load.answered
    await waitFor('more clicks', () => load.answered >= atSecond + 200)
    expect(await terminateBackends(new URL(db.url).pathname.slice(1))).toBeGreaterThan(0)
    await waitFor('more clicks after the termination', () => load.answered >= atSecond + 400)
    await waitFor('/healthz/ready after the termination', async () => (await health(s.baseUrl, '/healthz/ready')).status === 200)

    const answered = await load.stop()
    expect(s.alive()).toBe(true)
    const url = db.url
    await waitFor('every answered click stored', async () => (await storedClicks(url)) >= answered, 60_000, 200)
    expect(await storedClicks(url)).toBe(answered)
    expect(load.others['500'] ?? 0).toBe(0)
    // The outage was logged as changes of state, not once per failed attempt.
    expect(s.output().match(/click writes are failing/g)?.length ?? 0).toBeLessThanOrEqual(2)
    s.child.kill('SIGTERM')
    expect(await s.exited).toBe(0)
  })
})
