import { afterEach, describe, expect, it } from 'vitest'
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js'
import { getFrom, openIdleSockets, trickleBody } from '../helpers/socket-flood.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-databases.js'

describe('connection floods, the service as a real process', () => {
  let db: TestDatabase | undefined
  let server: ServerProcess | undefined
  let close: (() => void) | undefined
  afterEach(async () => {
    close?.()
    if (server?.alive()) server.child.kill('SIGKILL')
    await db?.drop()
  })

  it('3 000 idle sockets from one address: past its cap they are closed and counted, and /healthz answers everyone else', { timeout: 120_000 }, async () => {
    db = await createTestDatabase('sqlite')
    server = await startServerProcess({ DATABASE_URL: db.url, CONNECTIONS_PER_ADDRESS: '50' })
    const port = Number(new URL(server.baseUrl).port)
    const flood = await openIdleSockets(port, 3_000)
    close = flood.close
    const health = await getFrom('127.0.0.2', port, '/healthz')
    expect(health.status).toBe(200)
    const metrics = (await getFrom('127.0.0.2', port, '/metrics')).body
    expect(Number(/^linkprint_connections_refused_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2_950)
    expect(Number(/^linkprint_connections_open (\d+)/m.exec(metrics)?.[1])).toBeLessThanOrEqual(60)
    expect(server.alive()).toBe(true)
  })

  it('a body trickled one byte at a time is cut off at REQUEST_TIMEOUT_MS with 408', { timeout: 120_000 }, async () => {
    db = await createTestDatabase('sqlite')
    server = await startServerProcess({ DATABASE_URL: db.url, REQUEST_TIMEOUT_MS: '3000' })
    const { response } = await trickleBody(Number(new URL(server.baseUrl).port), 500)
    expect(response).toMatch(/^HTTP\/1\.1 408/)
  })
})
