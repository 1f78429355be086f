import type { AddressInfo } from 'node:net'
import { createServer } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildExampleApp, DEMO_USER } from '../../examples/anonymous-sessions/app.js'
import { nodeHandler } from '../../examples/anonymous-sessions/node-http.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-databases.js'

const FP = '0123456789abcdef0123456789abcdef'

describe('examples/anonymous-sessions', () => {
  let db: TestDatabase
  let app: FastifyInstance
  beforeAll(async () => {
    db = await createTestDatabase('sqlite')
    app = await buildExampleApp({ databaseUrl: db.url, secret: 'example-secret' })
    await app.ready()
  })
  afterAll(async () => {
    await app?.close()
    await db?.drop()
  })

  it('walks through the three cases with the Fastify plugin', async () => {
    const anonymous = await app.inject({ method: 'GET', url: '/api/hello', headers: { 'x-device-fingerprint': FP, 'x-timezone': 'Europe/Rome' } })
    expect(anonymous.json()).toMatchObject({ hello: 'anonymous visitor', identity: { source: 'client_header', timezone: 'Europe/Rome' }, session: { anonymous: true } })
    expect(anonymous.headers['x-session-id']).toMatch(/^[A-Za-z0-9_-]{43}$/)

    const login = await app.inject({ method: 'POST', url: '/api/login', headers: { 'x-device-fingerprint': FP }, payload: DEMO_USER })
    expect(login.statusCode).toBe(200)
    const { token, sessionId } = login.json()
    const signedIn = await app.inject({ method: 'GET', url: '/api/hello', headers: { authorization: `Bearer ${token}` } })
    expect(signedIn.json()).toMatchObject({ hello: expect.stringMatching(/^user \d+$/), identity: null, session: { anonymous: false } })

    const recovered = await app.inject({ method: 'POST', url: '/api/auth/recover', headers: { 'x-session-id': sessionId, 'x-device-fingerprint': FP } })
    expect(recovered.statusCode).toBe(200)
    const replay = await app.inject({ method: 'POST', url: '/api/auth/recover', headers: { 'x-session-id': sessionId, 'x-device-fingerprint': FP } })
    expect([replay.statusCode, replay.json().error.code]).toEqual([401, 'SESSION_INVALID'])
    const wrong = await app.inject({ method: 'POST', url: '/api/login', payload: { ...DEMO_USER, password: 'nope' } })
    expect([wrong.statusCode, wrong.json().error.code]).toEqual([401, 'INVALID_CREDENTIALS'])
  })

  it('serves the same core from plain node:http', async () => {
    const server = createServer((req, res) => void nodeHandler(app.sessions.core)(req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const res = await fetch(`${base}/anything`, { headers: { 'x-device-fingerprint': FP } })
      expect(await res.json()).toEqual({ identity: 'client_header', user: null, session: true })
      expect(res.headers.get('x-session-id')).toMatch(/^[A-Za-z0-9_-]{43}$/)
      const bad = await fetch(`${base}/anything`, { headers: { authorization: 'Bearer a.b.c' } })
      expect(bad.status).toBe(401)
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_TOKEN')
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
