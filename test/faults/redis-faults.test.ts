import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/click-load.js'
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-databases.js'
import { shouldRunRedis, TEST_REDIS_URL } from '../helpers/test-redis.js'

const runRedis = await shouldRunRedis()
const PASSWORD = 'correct horse battery'

describe.skipIf(!runRedis)('Redis faults, the service as a real process', () => {
  let db: TestDatabase | undefined
  let proxy: TcpProxy | undefined
  let server: ServerProcess | undefined
  afterEach(async () => {
    if (server?.alive()) server.child.kill('SIGKILL')
    await proxy?.close()
    await db?.drop()
  })

  it('Redis cut and back: no 500, what needs it answers 503 with Retry-After, tokens seen recently keep working, one log line per change, reconnects by itself', { timeout: 120_000 }, async () => {
    db = await createTestDatabase('sqlite')
    const target = new URL(TEST_REDIS_URL)
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) })
    server = await startServerProcess({
      DATABASE_URL: db.url, REDIS_URL: `redis://127.0.0.1:${proxy.port}`, REDIS_PREFIX: `lp-fault-${randomBytes(4).toString('hex')}:`,
      ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: 'info',
    })
    const s = server
    const call = (method: string, path: string, auth?: string, body?: unknown) =>
      fetch(s.baseUrl + path, {
        method, redirect: 'manual', signal: AbortSignal.timeout(30_000),
        headers: { ...(auth && { authorization: `Bearer ${auth}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      })
    const login = () => call('POST', '/api/auth/login', undefined, { email: 'admin@example.com', password: PASSWORD })
    const first = await login()
    expect(first.status).toBe(200)
    const { token } = (await first.json()) as { token: string }
    expect((await call('POST', '/api/links', s.adminKey, { url: 'https://example.org/', slug: 'r' })).status).toBe(201)
    expect((await call('GET', '/api/links', token)).status).toBe(200)

    proxy.cut()
    const statuses: number[] = []
    for (let i = 0; i < 20; i++) {
      const res = await login()
      statuses.push(res.status)
      if (res.status === 503) {
        expect(res.headers.get('retry-after')).not.toBeNull()
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('REDIS_UNAVAILABLE')
      }
      // What does not need Redis goes on: API keys, redirects, and the token whose session this instance saw alive.
      statuses.push((await call('GET', '/api/links', s.adminKey)).status)
      statuses.push((await call('GET', '/r')).status)
      statuses.push((await call('GET', '/api/links', token)).status)
    }
    expect(statuses.filter((x) => x >= 500 && x !== 503)).toEqual([])
    expect(statuses.filter((_, i) => i % 4 === 0).every((x) => x === 503)).toBe(true)
    expect(statuses.filter((_, i) => i % 4 !== 0).every((x) => x === 200 || x === 302)).toBe(true)

    proxy.restore()
    await waitFor('a login to succeed again', async () => (await login()).status === 200, 30_000, 200)
    expect(s.alive()).toBe(true)
    const out = s.output()
    const down = out.match(/Redis unreachable for/g)?.length ?? 0
    const up = out.match(/Redis reachable again for/g)?.length ?? 0
    // Three connections' worth at most (sessions, link invalidation, identity replication), each down once and up once.
    expect(down).toBeGreaterThan(0)
    expect(down).toBeLessThanOrEqual(3)
    await waitFor('every connection to say it is back', () => (s.output().match(/Redis reachable again for/g)?.length ?? 0) >= down, 30_000)
    expect(up).toBeLessThanOrEqual(3)
    expect(out).not.toMatch(/"statusCode":500|unhandled error/)
  })
})
