import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hashSessionId } from '../../src/auth/session-id.js'
import { runRedisSessions, SESSION_BACKENDS, useSessionService } from '../helpers/session-backends.js'
import { bearer, type TestService } from '../helpers/test-service.js'

/**
 * Seed 000's three cases end to end through linkprint's API, with sessions in the
 * database (each dialect) and in Redis. Every test talks from networks of its own
 * (remoteAddress), so rate limits never leak from one test into another.
 */

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const fp = () => randomBytes(16).toString('hex')
let nets = 0
/** An address on a /24 no other call has used. */
const freshIp = () => `10.${(++nets >> 8) & 255}.${nets & 255}.7`

function clock() {
  const c = { t: Date.now(), now: () => c.t }
  return c
}

for (const backend of SESSION_BACKENDS) {
  describe.skipIf(backend.redis && !runRedisSessions)(`sessions (seed 000) with sessions on ${backend.name}`, () => {
    let svc: TestService
    const time = clock()
    const USER = { email: 'victim@example.com', password: 'another password' }

    useSessionService(backend, time, USER.email, (started) => (svc = started))

    const call = (method: 'GET' | 'POST' | 'DELETE', url: string, headers: Record<string, string> = {}, ip = freshIp(), payload?: object) =>
      svc.app.inject({ method, url, headers, remoteAddress: ip, ...(payload && { payload }) })
    const login = (headers: Record<string, string> = {}, ip = freshIp(), who = USER) => call('POST', '/api/auth/login', headers, ip, who)
    const recover = (sessionId: string, fingerprint: string, ip = freshIp()) =>
      call('POST', '/api/auth/recover', { 'x-session-id': sessionId, 'x-device-fingerprint': fingerprint }, ip)
    const codeOf = (res: { statusCode: number; json(): { error?: { code: string } } }) => [res.statusCode, res.json().error?.code]
    const metric = async (source: string, path: string) => {
      const text = (await call('GET', '/metrics')).body
      const m = new RegExp(`^linkprint_identity_source_total\\{source="${source}",path="${path}"\\} (\\d+)$`, 'm').exec(text)
      return Number(m?.[1])
    }

    describe('case 1: anonymous, with X-Device-Fingerprint', () => {
      it('resolves the identity from the header, tracks an anonymous session and returns its id', async () => {
        const device = fp()
        const before = await metric('client_header', 'api')
        const ip = freshIp()
        const first = await call('GET', '/api/auth/session', { 'x-device-fingerprint': device, 'x-timezone': 'Europe/Rome' }, ip)
        expect(first.statusCode).toBe(200)
        expect(first.json()).toMatchObject({ identity: { source: 'client_header', timezone: 'Europe/Rome', rejected: [] }, session: { anonymous: true, deviceBound: true }, user: null })
        const sessionId = String(first.headers['x-session-id'])
        expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/)
        expect(first.headers['set-cookie']).toBeUndefined()
        // Stored only as its hash.
        const stored = await svc.linkprint.sessions.store.find(hashSessionId(sessionId))
        expect(stored).toMatchObject({ userId: null, revokedAt: null })
        expect(await svc.linkprint.sessions.store.find(sessionId)).toBeUndefined()
        expect(stored!.deviceHash).not.toContain(device)

        const again = await call('GET', '/api/auth/session', { 'x-device-fingerprint': device, 'x-session-id': sessionId }, ip)
        expect(again.json().session).toMatchObject({ anonymous: true })
        expect(again.headers['x-session-id']).toBeUndefined()
        expect(await metric('client_header', 'api')).toBe(before + 2)
      })

      it('falls back to the cookie, then to server generation, and opens no session without a fingerprint', async () => {
        const first = await call('GET', '/api/auth/session')
        expect(first.json()).toMatchObject({ identity: { source: 'server_generated' }, session: null })
        expect(first.headers['x-session-id']).toBeUndefined()
        const cookie = String(first.headers['set-cookie']).split(';')[0]!
        expect(cookie).toMatch(/^device_fp=/)
        const second = await call('GET', '/api/auth/session', { cookie })
        expect(second.json().identity.source).toBe('cookie')
        expect(second.headers['set-cookie']).toBeUndefined()
      })

      it('ignores a session id it never issued (no fixation) and one from another device', async () => {
        const planted = randomBytes(32).toString('base64url')
        const res = await call('GET', '/api/auth/session', { 'x-device-fingerprint': fp(), 'x-session-id': planted })
        const issued = String(res.headers['x-session-id'])
        expect(issued).toMatch(/^[A-Za-z0-9_-]{43}$/)
        expect(issued).not.toBe(planted)
        expect(await svc.linkprint.sessions.store.find(hashSessionId(planted))).toBeUndefined()
        const other = await call('GET', '/api/auth/session', { 'x-device-fingerprint': fp(), 'x-session-id': issued })
        expect(other.headers['x-session-id']).not.toBe(issued)
      })

      it('takes no fingerprint from a visitor who says DNT or Sec-GPC', async () => {
        for (const optOut of [{ dnt: '1' }, { 'sec-gpc': '1' }] as Array<Record<string, string>>) {
          const res = await call('GET', '/api/auth/session', { 'x-device-fingerprint': fp(), ...optOut })
          expect(res.json()).toMatchObject({ identity: { source: 'server_generated', rejected: [{ signal: 'x-device-fingerprint', reason: 'privacy' }] }, session: null })
          expect(res.headers['set-cookie']).toBeUndefined()
        }
      })

      it('refuses oversized and malformed client headers without failing the request', async () => {
        const res = await call('GET', '/api/auth/session', { 'x-device-fingerprint': 'f'.repeat(8000), 'x-session-id': 'x'.repeat(8000), 'x-timezone': 'T'.repeat(500) })
        expect(res.statusCode).toBe(200)
        expect(res.json()).toMatchObject({ identity: { source: 'server_generated', rejected: [{ signal: 'x-device-fingerprint', reason: 'oversized' }] }, session: null })
        expect(res.body).not.toContain('ffffffff')
      })

      it('counts the redirect path’s sources too, and leaves redirects alone otherwise', async () => {
        const created = await call('POST', '/api/links', bearer(svc.adminKey), freshIp(), { url: 'https://example.org/' })
        const before = await metric('client_header', 'redirect')
        const redirect = await call('GET', `/${created.json().slug}`, { 'user-agent': CHROME, 'x-device-fingerprint': fp(), authorization: 'Bearer not-a-token' })
        // The sessions hook is on API routes only: a redirect opens no session and ignores tokens.
        expect(redirect.statusCode).toBe(302)
        expect(redirect.headers['x-session-id']).toBeUndefined()
        expect(await metric('client_header', 'redirect')).toBe(before + 1)
        expect(await metric('server_generated', 'redirect')).toBeGreaterThanOrEqual(0)
      })

      it('warns, sampled and rate-limited, when API clients stop sending fingerprints', async () => {
        const warnings: object[] = []
        const original = svc.linkprint.sessions.log
        svc.linkprint.sessions.log = { info() {}, warn: (details, message) => { if (message.includes('X-Device-Fingerprint')) warnings.push(details) } }
        try {
          for (let i = 0; i < 60; i++) await call('GET', '/api/auth/session?i=' + i, { 'user-agent': 'broken-sdk/2.0' })
        } finally {
          svc.linkprint.sessions.log = original
        }
        expect(warnings).toHaveLength(1)
        expect(warnings[0]).toMatchObject({ samples: expect.arrayContaining([{ method: 'GET', path: '/api/auth/session', userAgent: 'broken-sdk/2.0' }]) })
      })
    })

    describe('case 3: Bearer token', () => {
      it('verifies the token and does no fingerprint work at all', async () => {
        const { token } = (await login()).json()
        const counts = async () => Promise.all(['client_header', 'cookie', 'server_generated', 'request_cache'].map((s) => metric(s, 'api')))
        const before = await counts()
        const res = await call('GET', '/api/auth/session', { ...bearer(token), 'x-device-fingerprint': fp() })
        expect(res.json()).toMatchObject({ identity: null, session: { anonymous: false }, user: { email: USER.email, via: 'access_token' } })
        expect(res.headers['x-session-id']).toBeUndefined()
        expect(res.headers['set-cookie']).toBeUndefined()
        expect(await counts()).toEqual(before)
      })

      it('says TOKEN_EXPIRED for an expired token, cached or not', async () => {
        const a = (await login()).json().token
        const b = (await login()).json().token
        expect((await call('GET', '/api/auth/me', bearer(a))).statusCode).toBe(200)
        time.t += 15 * 60_000 + 1000
        try {
          expect(codeOf(await call('GET', '/api/auth/me', bearer(a)))).toEqual([401, 'TOKEN_EXPIRED'])
          expect(codeOf(await call('GET', '/api/auth/me', bearer(b)))).toEqual([401, 'TOKEN_EXPIRED'])
        } finally {
          time.t -= 15 * 60_000 + 1000
        }
      })

      it('rejects forged, tampered and wrong-algorithm tokens with INVALID_TOKEN', async () => {
        const { token } = (await login()).json()
        const [h, p, s] = token.split('.') as [string, string, string]
        const header = JSON.parse(Buffer.from(h, 'base64url').toString())
        const body = JSON.parse(Buffer.from(p, 'base64url').toString())
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
        const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })
        const hmac = (hdr: object, key: string) => `${enc(hdr)}.${p}.${createHmac('sha256', key).update(`${enc(hdr)}.${p}`).digest('base64url')}`
        const admin = await svc.linkprint.storage.users.findUserByEmail('admin@example.com')
        for (const forged of [
          `${enc({ alg: 'none', typ: 'JWT' })}.${p}.`,
          `${enc({ ...header, alg: 'none' })}.${p}.`,
          hmac({ ...header, alg: 'RS256' }, publicKey),
          hmac(header, publicKey),
          `${h}.${enc({ ...body, sub: String(admin!.id) })}.${s}`,
          `${h}.${p}.${s.split('').reverse().join('')}`,
          `${enc({ ...header, kid: 'rotated-away' })}.${p}.${s}`,
        ]) {
          expect(codeOf(await call('GET', '/api/auth/me', bearer(forged)))).toEqual([401, 'INVALID_TOKEN'])
        }
        expect(codeOf(await call('GET', '/api/auth/me', { authorization: `Bearer ${token}${'x'.repeat(5000)}` }))).toEqual([401, 'INVALID_TOKEN'])
        expect(codeOf(await call('GET', '/api/auth/session', bearer('lp_' + 'A'.repeat(43))))).toEqual([401, 'INVALID_TOKEN'])
      })

      it('logout revokes the session: its token and its recovery stop working', async () => {
        const device = fp()
        const { token, sessionId } = (await login({ 'x-device-fingerprint': device })).json()
        expect((await call('POST', '/api/auth/logout', bearer(token))).statusCode).toBe(204)
        expect(codeOf(await call('GET', '/api/auth/me', bearer(token)))).toEqual([401, 'INVALID_TOKEN'])
        expect(codeOf(await recover(sessionId, device))).toEqual([401, 'SESSION_INVALID'])
      })
    })

    describe('case 2: lost token, session exists', () => {
      it('recovers a new token from session id + fingerprint, rotating the id; the old id replayed fails and ends the family', async () => {
        const device = fp()
        const { sessionId } = (await login({ 'x-device-fingerprint': device })).json()
        const ok = await recover(sessionId, device)
        expect(ok.statusCode).toBe(200)
        const body = ok.json()
        expect(body).toEqual({ token: expect.any(String), sessionId: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expiresIn: 900 })
        expect(body.sessionId).not.toBe(sessionId)
        expect(ok.headers['x-session-id']).toBe(body.sessionId)
        expect(ok.headers['cache-control']).toBe('no-store')
        const me = await call('GET', '/api/auth/me', bearer(body.token))
        expect(me.json()).toMatchObject({ email: USER.email, isAdmin: false, via: 'access_token' })

        // Recover again with the new id: fine, rotated again.
        const second = (await recover(body.sessionId, device)).json()
        expect(second.sessionId).not.toBe(body.sessionId)
        // Someone replays the first id: refused, and the live successor is ended with it.
        expect(codeOf(await recover(sessionId, device))).toEqual([401, 'SESSION_INVALID'])
        expect(codeOf(await recover(second.sessionId, device))).toEqual([401, 'SESSION_INVALID'])
        expect(codeOf(await call('GET', '/api/auth/me', bearer(second.token)))).toEqual([401, 'INVALID_TOKEN'])
      })

      it('never grants more than the session had: same user, same expiry', async () => {
        const device = fp()
        const { sessionId } = (await login({ 'x-device-fingerprint': device })).json()
        const before = await svc.linkprint.sessions.store.find(hashSessionId(sessionId))
        time.t += 60_000
        try {
          const next = (await recover(sessionId, device)).json()
          const after = await svc.linkprint.sessions.store.find(hashSessionId(next.sessionId))
          expect(after).toMatchObject({ userId: before!.userId, expiresAt: before!.expiresAt, deviceHash: before!.deviceHash })
          expect((await call('GET', '/api/auth/me', bearer(next.token))).json().isAdmin).toBe(false)
        } finally {
          time.t -= 60_000
        }
      })

      it('refuses someone else’s session id from another device (403), and leaves it usable by its owner', async () => {
        const owner = fp()
        const { sessionId } = (await login({ 'x-device-fingerprint': owner })).json()
        expect(codeOf(await recover(sessionId, fp()))).toEqual([403, 'DEVICE_MISMATCH'])
        expect((await recover(sessionId, owner)).statusCode).toBe(200)
      })

      it('accepts another fingerprint of the same device cluster at or above MIN_CONFIDENCE, not below', async () => {
        // A real storage context from a click, then two more on the same device cluster.
        const known = fp()
        const created = await call('POST', '/api/links', bearer(svc.adminKey), freshIp(), { url: 'https://example.org/' })
        await call('GET', `/${created.json().slug}`, { 'user-agent': CHROME, 'x-device-fingerprint': known })
        const state = svc.linkprint.identity.state
        const [entity] = [...state.withSdkDevice(known)]
        expect(entity).toBeDefined()
        const { sessionId } = (await login({ 'x-device-fingerprint': known })).json()
        const sure = fp()
        const unsure = fp()
        state.put({ ...entity!, key: `k-${sure}`, sdkDevice: sure, confidence: 80, firstSeen: entity!.firstSeen + 1 })
        state.put({ ...entity!, key: `k-${unsure}`, sdkDevice: unsure, confidence: 30, firstSeen: entity!.firstSeen + 1 })
        state.union('device', entity!.key, `k-${sure}`)
        state.union('device', entity!.key, `k-${unsure}`)
        expect(codeOf(await recover(sessionId, unsure))).toEqual([403, 'DEVICE_MISMATCH'])
        expect((await recover(sessionId, sure)).statusCode).toBe(200)
      })

      it('does not recover anonymous sessions or sessions never bound to a device', async () => {
        const device = fp()
        const anon = await call('GET', '/api/auth/session', { 'x-device-fingerprint': device })
        expect(codeOf(await recover(String(anon.headers['x-session-id']), device))).toEqual([403, 'SESSION_NOT_RECOVERABLE'])
        const { sessionId } = (await login()).json()
        expect(codeOf(await recover(sessionId, device))).toEqual([403, 'SESSION_NOT_RECOVERABLE'])
      })

      it('login never adopts the session id it is sent (fixation): the planted anonymous session ends', async () => {
        const attacker = fp()
        const planted = String((await call('GET', '/api/auth/session', { 'x-device-fingerprint': attacker })).headers['x-session-id'])
        const victim = (await login({ 'x-session-id': planted, 'x-device-fingerprint': attacker })).json()
        expect(victim.sessionId).not.toBe(planted)
        expect(codeOf(await recover(planted, attacker))).toEqual([401, 'SESSION_INVALID'])
        expect((await svc.linkprint.sessions.store.find(hashSessionId(planted)))?.revokedAt).not.toBeNull()
        expect((await call('GET', '/api/auth/me', bearer(victim.token))).statusCode).toBe(200)
      })

      it('answers hostile headers with 401 and stable codes', async () => {
        const device = fp()
        const { sessionId } = (await login({ 'x-device-fingerprint': device })).json()
        expect(codeOf(await call('POST', '/api/auth/recover'))).toEqual([401, 'SESSION_INVALID'])
        expect(codeOf(await recover('x'.repeat(10_000), device))).toEqual([401, 'SESSION_INVALID'])
        expect(codeOf(await recover(`${sessionId} `, device))).toEqual([401, 'SESSION_INVALID'])
        expect(codeOf(await recover(randomBytes(32).toString('base64url'), device))).toEqual([401, 'SESSION_INVALID'])
        expect(codeOf(await recover(sessionId, 'f'.repeat(10_000)))).toEqual([401, 'FINGERPRINT_INVALID'])
        expect(codeOf(await recover(sessionId, '../../etc/passwd'))).toEqual([401, 'FINGERPRINT_INVALID'])
        expect(codeOf(await call('POST', '/api/auth/recover', { 'x-session-id': sessionId }))).toEqual([401, 'FINGERPRINT_INVALID'])
        expect(codeOf(await call('POST', '/api/auth/recover', { 'x-session-id': sessionId, 'x-device-fingerprint': device, dnt: '1' }))).toEqual([401, 'FINGERPRINT_INVALID'])
        expect((await recover(sessionId, device)).statusCode).toBe(200)
      })

      it('refuses an expired session', async () => {
        const device = fp()
        const { sessionId } = (await login({ 'x-device-fingerprint': device })).json()
        time.t += 31 * 86_400_000
        try {
          expect(codeOf(await recover(sessionId, device))).toEqual([401, 'SESSION_INVALID'])
        } finally {
          time.t -= 31 * 86_400_000
        }
      })

      it('limits brute force per network: 429 with retry-after, even for a right guess; other networks unaffected', async () => {
        const device = fp()
        const { sessionId } = (await login({ 'x-device-fingerprint': device })).json()
        const ip = freshIp()
        const neighbour = ip.replace(/\.7$/, '.99')
        for (let i = 0; i < 20; i++) expect((await recover(randomBytes(32).toString('base64url'), device, ip)).statusCode).toBe(401)
        const limited = await recover(sessionId, device, neighbour)
        expect(codeOf(limited)).toEqual([429, 'RATE_LIMITED'])
        expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
        expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(15 * 60)
        expect(limited.json().error.details.retryAfter).toBe(Number(limited.headers['retry-after']))
        expect((await recover(sessionId, device, freshIp())).statusCode).toBe(200)
      })

      it('limits guesses per session id across networks', async () => {
        const device = fp()
        const { sessionId } = (await login({ 'x-device-fingerprint': device })).json()
        for (let i = 0; i < 5; i++) expect(codeOf(await recover(sessionId, fp()))).toEqual([403, 'DEVICE_MISMATCH'])
        expect(codeOf(await recover(sessionId, device))).toEqual([429, 'RATE_LIMITED'])
      })

      it('logs every failure with a reason and counts outcomes on /metrics', async () => {
        const failures: Array<Record<string, unknown>> = []
        const original = svc.linkprint.sessions.log
        svc.linkprint.sessions.log = { info() {}, warn: (details) => failures.push(details as Record<string, unknown>) }
        try {
          await recover(randomBytes(32).toString('base64url'), fp())
          await recover('nope', fp())
        } finally {
          svc.linkprint.sessions.log = original
        }
        expect(failures.map((f) => f.reason)).toEqual(['unknown_session', 'malformed_session_id'])
        expect(JSON.stringify(failures)).not.toMatch(/10\.\d+\.\d+\.7/)
        const text = (await call('GET', '/metrics')).body
        expect(text).toMatch(/linkprint_session_recoveries_total\{outcome="recovered"\} [1-9]/)
        expect(text).toMatch(/linkprint_session_recoveries_total\{outcome="device_mismatch"\} [1-9]/)
      })
    })

    describe('login and API keys', () => {
      it('limits login attempts per network, reserved before the hash: 40 parallel guesses get 20 checks', { timeout: 90_000 }, async () => {
        const ip = freshIp()
        // 40 accounts, so only the network's limit (20) applies; all at once, as an attacker sends them.
        const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => login({}, ip, { email: `guess-${i}@example.com`, password: 'wrong' })))
        const codes = answers.map((a) => codeOf(a)[1])
        expect(codes.filter((c) => c === 'INVALID_CREDENTIALS')).toHaveLength(20)
        // The rest refused unchecked: over the limit, or (the hash slots full) busy.
        expect(codes.filter((c) => c !== 'INVALID_CREDENTIALS').every((c) => c === 'RATE_LIMITED' || c === 'SERVER_BUSY')).toBe(true)
        expect(answers.every((a) => a.statusCode === 401 || Number(a.headers['retry-after']) > 0)).toBe(true)
        expect(codeOf(await login({}, ip, USER))).toEqual([429, 'RATE_LIMITED'])
        expect((await login({}, freshIp(), USER)).statusCode).toBe(200)
      })

      it('limits failures per account from any network, with a growing wait from the fifth; the right password clears them', { timeout: 90_000 }, async () => {
        const who = { email: `slow-${fp()}@example.com`, password: 'the right one!' }
        await svc.linkprint.auth.createUser(who.email, who.password, false)
        for (let i = 0; i < 4; i++) expect(codeOf(await login({}, freshIp(), { ...who, password: `wrong ${i}` }))).toEqual([401, 'INVALID_CREDENTIALS'])
        expect((await login({}, freshIp(), who)).statusCode).toBe(200)
        for (let i = 0; i < 5; i++) expect(codeOf(await login({}, freshIp(), { ...who, password: `wrong ${i}` }))).toEqual([401, 'INVALID_CREDENTIALS'])
        // The fifth failure in a row: the next attempt, from anywhere, the right password included, waits unchecked.
        const waiting = await login({}, freshIp(), who)
        expect(codeOf(waiting)).toEqual([429, 'RATE_LIMITED'])
        expect(Number(waiting.headers['retry-after'])).toBeGreaterThan(0)
      })

      it('creates (shown once), lists, uses and revokes API keys, stored hashed', async () => {
        const { token } = (await login()).json()
        const created = await call('POST', '/api/auth/keys', bearer(token), freshIp(), { name: 'ci deploys' })
        expect(created.statusCode).toBe(201)
        const key = created.json()
        expect(key).toMatchObject({ id: expect.any(Number), name: 'ci deploys', key: expect.stringMatching(/^lp_[A-Za-z0-9_-]{43}$/), prefix: key.key.slice(0, 10) })
        expect((await call('GET', '/api/auth/me', bearer(key.key))).json()).toMatchObject({ email: USER.email, via: 'api_key' })
        const listed = await call('GET', '/api/auth/keys', bearer(key.key))
        expect(listed.json().keys).toContainEqual({ id: key.id, name: 'ci deploys', prefix: key.prefix, createdAt: expect.any(String), revokedAt: null })
        expect(listed.body).not.toContain(key.key)
        const otherUser = await svc.addUser(`other-${fp()}@example.com`)
        expect(codeOf(await call('DELETE', `/api/auth/keys/${key.id}`, bearer(otherUser)))).toEqual([404, 'API_KEY_NOT_FOUND'])
        expect((await call('DELETE', `/api/auth/keys/${key.id}`, bearer(token))).statusCode).toBe(204)
        expect(codeOf(await call('GET', '/api/auth/me', bearer(key.key)))).toEqual([401, 'INVALID_TOKEN'])
        expect((await call('GET', '/api/auth/keys', bearer(token))).json().keys.find((k: { id: number }) => k.id === key.id).revokedAt).not.toBeNull()
        expect(codeOf(await call('POST', '/api/auth/keys', bearer(token), freshIp(), { name: 'a\u0000b' }))).toEqual([400, 'VALIDATION_FAILED'])
        expect(codeOf(await call('POST', '/api/auth/keys', {}, freshIp(), { name: 'anon' }))).toEqual([401, 'UNAUTHORIZED'])
      })
    })
  })
}
