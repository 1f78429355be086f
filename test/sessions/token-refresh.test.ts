import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { runRedisSessions, SESSION_BACKENDS, useSessionService } from '../helpers/session-backends.js'
import { bearer, type TestService } from '../helpers/test-service.js'

/**
 * POST /api/auth/refresh: a still-valid login token and its X-Session-Id → a new token and
 * a rotated session id, within the session's absolute lifetime. Sessions in each database
 * and in Redis; every call from a network of its own unless a test is about limits.
 */
const MINUTE = 60_000
const DAY = 86_400_000
let nets = 0
const freshIp = () => `10.${(++nets >> 8) & 255}.${nets & 255}.9`

for (const backend of SESSION_BACKENDS) {
  describe.skipIf(backend.redis && !runRedisSessions)(`token refresh with sessions on ${backend.name}`, () => {
    let svc: TestService
    // Whole seconds, so a token's `exp` and the session's end fall on the same instant.
    const time = { t: Math.ceil(Date.now() / 1000) * 1000, now: () => time.t }
    const USER = { email: 'renew@example.com', password: 'another password' }

    useSessionService(backend, time, USER.email, (started) => (svc = started))

    const call = (method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}, ip = freshIp(), payload?: object) =>
      svc.app.inject({ method, url, headers, remoteAddress: ip, ...(payload && { payload }) })
    const login = async (headers: Record<string, string> = {}, who = USER) => {
      const res = await call('POST', '/api/auth/login', headers, freshIp(), who)
      expect(res.statusCode).toBe(200)
      return res.json() as { token: string; sessionId: string; expiresIn: number; sessionExpiresAt: string }
    }
    const refresh = (token: string, sessionId: string | undefined, ip = freshIp()) =>
      call('POST', '/api/auth/refresh', { ...bearer(token), ...(sessionId !== undefined && { 'x-session-id': sessionId }) }, ip)
    const me = (token: string) => call('GET', '/api/auth/me', bearer(token))
    const codeOf = (res: { statusCode: number; json(): { error?: { code: string } } }) => [res.statusCode, res.json().error?.code]

    it('renews a valid token: a new token, a rotated session id, the same absolute end', async () => {
      const first = await login()
      expect(Date.parse(first.sessionExpiresAt)).toBe(time.t + 30 * DAY)
      time.t += 10 * MINUTE
      const res = await refresh(first.token, first.sessionId)
      expect(res.statusCode).toBe(200)
      expect(res.headers['cache-control']).toBe('no-store')
      const body = res.json()
      expect(body.sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(body.sessionId).not.toBe(first.sessionId)
      expect(res.headers['x-session-id']).toBe(body.sessionId)
      expect(body.token).not.toBe(first.token)
      expect(body.expiresIn).toBe(900)
      // Sliding, not extending: the session ends when the login's session would have.
      expect(body.sessionExpiresAt).toBe(first.sessionExpiresAt)
      expect((await me(body.token)).json().email).toBe(USER.email)
      // The token it replaced stops at once (its session is rotated away).
      expect(codeOf(await me(first.token))).toEqual([401, 'INVALID_TOKEN'])
      // Sliding: renewed again after another 10 minutes, 20 after the first token was issued.
      time.t += 10 * MINUTE
      const again = await refresh(body.token, body.sessionId)
      expect(again.statusCode).toBe(200)
      time.t += 14 * MINUTE
      expect((await me(again.json().token)).statusCode).toBe(200)
    })

    it('treats a replayed (rotated) session id as theft: refused, and the successors end too', async () => {
      const first = await login()
      const second = (await refresh(first.token, first.sessionId)).json()
      const replay = await refresh(first.token, first.sessionId)
      expect(codeOf(replay)).toEqual([401, 'SESSION_INVALID'])
      expect(codeOf(await me(second.token))).toEqual([401, 'INVALID_TOKEN'])
      expect(codeOf(await refresh(second.token, second.sessionId))).toEqual([401, 'SESSION_INVALID'])
      // An operator sees theft attempts on /metrics, beside the renewals.
      const metrics = (await call('GET', '/metrics')).body
      expect(Number(/^linkprint_token_refreshes_total\{outcome="refreshed"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1)
      expect(Number(/^linkprint_token_refreshes_total\{outcome="replayed_rotated_id"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1)
    })

    it('refuses after logout', async () => {
      const s = await login()
      expect((await call('POST', '/api/auth/logout', bearer(s.token))).statusCode).toBe(204)
      expect(codeOf(await refresh(s.token, s.sessionId))).toEqual([401, 'SESSION_INVALID'])
    })

    it('refuses an expired token: renewal needs a live one (recover or log in instead)', async () => {
      const s = await login()
      time.t += 15 * MINUTE + 1_000
      expect(codeOf(await refresh(s.token, s.sessionId))).toEqual([401, 'TOKEN_EXPIRED'])
    })

    it('refuses API keys, unknown keys, no credentials, and tampered tokens', async () => {
      const s = await login()
      expect(codeOf(await call('POST', '/api/auth/refresh', { ...bearer(svc.adminKey), 'x-session-id': s.sessionId }))).toEqual([403, 'TOKEN_NOT_REFRESHABLE'])
      expect(codeOf(await call('POST', '/api/auth/refresh', { ...bearer('lp_' + 'x'.repeat(40)), 'x-session-id': s.sessionId }))).toEqual([401, 'INVALID_TOKEN'])
      expect(codeOf(await call('POST', '/api/auth/refresh', { 'x-session-id': s.sessionId }))).toEqual([401, 'UNAUTHORIZED'])
      expect(codeOf(await call('POST', '/api/auth/refresh', { authorization: 'Basic abc', 'x-session-id': s.sessionId }))).toEqual([401, 'INVALID_TOKEN'])
      const at = s.token.lastIndexOf('.') + 10
      const tampered = s.token.slice(0, at) + (s.token[at] === 'A' ? 'B' : 'A') + s.token.slice(at + 1)
      expect(codeOf(await refresh(tampered, s.sessionId))).toEqual([401, 'INVALID_TOKEN'])
      // Nothing was rotated by any of them.
      expect((await refresh(s.token, s.sessionId)).statusCode).toBe(200)
    })

    it('needs the session id the token was issued for, and leaves both sessions alone otherwise', async () => {
      const a = await login()
      const b = await login()
      expect(codeOf(await refresh(a.token, b.sessionId))).toEqual([401, 'SESSION_INVALID'])
      expect(codeOf(await refresh(a.token, undefined))).toEqual([401, 'SESSION_INVALID'])
      expect(codeOf(await refresh(a.token, 'short'))).toEqual([401, 'SESSION_INVALID'])
      expect(codeOf(await refresh(a.token, 'x'.repeat(5000)))).toEqual([401, 'SESSION_INVALID'])
      expect((await me(a.token)).statusCode).toBe(200)
      expect((await refresh(b.token, b.sessionId)).statusCode).toBe(200)
      expect((await refresh(a.token, a.sessionId)).statusCode).toBe(200)
    })

    it('stops at the session\'s absolute lifetime: tokens never outlive it, then SESSION_EXPIRED', async () => {
      const device = randomBytes(16).toString('hex')
      const s = await login({ 'x-device-fingerprint': device })
      const end = Date.parse(s.sessionExpiresAt)
      // Recovery (same end) brings a live token close to the end without 3 000 renewals.
      time.t = end - 10 * MINUTE
      const recovered = await call('POST', '/api/auth/recover', { 'x-session-id': s.sessionId, 'x-device-fingerprint': device })
      expect(recovered.statusCode).toBe(200)
      expect(recovered.json().expiresIn).toBe(600)
      time.t = end - 5 * MINUTE
      const renewed = await refresh(recovered.json().token, recovered.json().sessionId)
      expect(renewed.statusCode).toBe(200)
      expect(renewed.json()).toMatchObject({ expiresIn: 300, sessionExpiresAt: s.sessionExpiresAt })
      time.t = end - 500
      expect(codeOf(await refresh(renewed.json().token, renewed.json().sessionId))).toEqual([401, 'SESSION_EXPIRED'])
      time.t = end + 1
      expect((await me(renewed.json().token)).statusCode).toBe(401)
      time.t = Math.ceil(Date.now() / 1000) * 1000 + 60 * DAY
    })

    it('limits renewals per user (429 with retry-after), every one from the same network too', async () => {
      // A user of its own: Redis counts in real time, so earlier tests' renewals would count.
      const who = { email: 'limited@example.com', password: 'another password' }
      await svc.addUser(who.email)
      let s = await login({}, who)
      const ip = freshIp()
      for (let i = 0; i < 30; i++) {
        const res = await refresh(s.token, s.sessionId, ip)
        expect(res.statusCode).toBe(200)
        s = { ...s, ...res.json() }
      }
      const limited = await refresh(s.token, s.sessionId, freshIp())
      expect(codeOf(limited)).toEqual([429, 'RATE_LIMITED'])
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
      // Refused before any rotation: the session and its token still work.
      expect((await me(s.token)).statusCode).toBe(200)
    })
  })
}
