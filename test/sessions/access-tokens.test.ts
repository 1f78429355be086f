import { createHmac, generateKeyPairSync } from 'node:crypto'
import { SignJWT, generateKeyPair } from 'jose'
import { describe, expect, it } from 'vitest'
import { AccessTokens } from '../../src/auth/access-tokens.js'
import { TokenKeyring } from '../../src/auth/token-keyring.js'
import { deriveSecretKeys } from '../../src/config/secret-keys.js'
import { AppError } from '../../src/errors.js'

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

/** A JWT with any header, signed (HMAC-SHA-256 or -512) with any bytes: how an attacker crafts one. */
function craft(header: object, payload: object, key: Uint8Array | string | null, hash: 'sha256' | 'sha512' = 'sha256'): string {
  const input = `${b64(header)}.${b64(payload)}`
  return key === null ? `${input}.` : `${input}.${createHmac(hash, key).update(input).digest('base64url')}`
}

function clockAt(ms: number) {
  const clock = { t: ms, now: () => clock.t }
  return clock
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'OK'
  } catch (error) {
    if (error instanceof AppError) return error.code
    throw error
  }
}

describe('access tokens', () => {
  const keyring = TokenKeyring.fromSecrets('the-current-secret')
  const start = Date.UTC(2026, 10, 1)
  const claims = { userId: 42, sessionIdHash: 'sid-hash' }
  const payload = (over: object = {}) => ({ sub: '42', sid: 'sid-hash', iss: 'linkprint', iat: start / 1000, exp: start / 1000 + 900, ...over })

  it('signs HS256 with a kid and verifies to the claims', async () => {
    const tokens = new AccessTokens({ keyring, clock: clockAt(start) })
    const { token, expiresIn } = await tokens.sign(claims)
    expect(expiresIn).toBe(900)
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT', kid: keyring.current.kid })
    expect(await tokens.verify(token)).toEqual({ ...claims, expiresAt: start + 900_000 })
  })

  it('the key from SECRET is the one linkprint always used (tokens survive the upgrade)', () => {
    expect(Buffer.from(TokenKeyring.fromSecrets('s3cret').current.key).equals(Buffer.from(deriveSecretKeys('s3cret').accessToken))).toBe(true)
  })

  it('verifies a token once and answers again from the cache until it expires', async () => {
    const clock = clockAt(start)
    const tokens = new AccessTokens({ keyring, clock })
    const { token } = await tokens.sign(claims)
    await tokens.verify(token)
    expect(tokens.cached).toBe(1)
    // Same answer from the cache (bench/sessions.ts measures what that saves).
    expect(await tokens.verify(token)).toEqual({ ...claims, expiresAt: start + 900_000 })
    expect(tokens.cached).toBe(1)
    clock.t = start + 900_000
    expect(await codeOf(tokens.verify(token))).toBe('TOKEN_EXPIRED')
    expect(tokens.cached).toBe(0)
  })

  it('says TOKEN_EXPIRED for an expired genuine token never seen before', async () => {
    const { token } = await new AccessTokens({ keyring, clock: clockAt(start) }).sign(claims)
    expect(await codeOf(new AccessTokens({ keyring, clock: clockAt(start + 901_000) }).verify(token))).toBe('TOKEN_EXPIRED')
  })

  it('never says TOKEN_EXPIRED for a forged token, expired or not', async () => {
    const tokens = new AccessTokens({ keyring, clock: clockAt(start + 10_000_000) })
    expect(await codeOf(tokens.verify(craft({ alg: 'HS256', typ: 'JWT' }, payload(), 'not the key')))).toBe('INVALID_TOKEN')
  })

  it('does not remember failures', async () => {
    const tokens = new AccessTokens({ keyring, clock: clockAt(start) })
    await codeOf(tokens.verify(craft({ alg: 'HS256', typ: 'JWT' }, payload(), 'x')))
    expect(tokens.cached).toBe(0)
  })

  describe('rejects hostile tokens with INVALID_TOKEN', async () => {
    const key = keyring.current.key
    const kid = keyring.current.kid
    const rsa = await generateKeyPair('RS256')
    const { publicKey: pem } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })
    const good = await new AccessTokens({ keyring, clock: clockAt(start) }).sign(claims)
    const [h, p, s] = good.token.split('.') as [string, string, string]
    const cases: Array<[string, string]> = [
      ['alg none, no signature', craft({ alg: 'none', typ: 'JWT' }, payload(), null)],
      ['alg none, kid of the real key', craft({ alg: 'none', typ: 'JWT', kid }, payload(), null)],
      ['alg NONE spelled otherwise', craft({ alg: 'NoNe', typ: 'JWT' }, payload(), null)],
      ['RS256 signed with an attacker key', await new SignJWT(payload()).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(rsa.privateKey)],
      ['HS/RS confusion: RS256 header, HMAC with a public key as secret', craft({ alg: 'RS256', typ: 'JWT', kid }, payload(), pem)],
      ['HS/RS confusion: HS256 signed with a public key PEM', craft({ alg: 'HS256', typ: 'JWT', kid }, payload(), pem)],
      ['HS512 with the right key (algorithm pinned)', craft({ alg: 'HS512', typ: 'JWT', kid }, payload(), key, 'sha512')],
      ['HS256 with a wrong key', craft({ alg: 'HS256', typ: 'JWT', kid }, payload(), 'guessed-secret')],
      ['an unknown kid', craft({ alg: 'HS256', typ: 'JWT', kid: 'nope' }, payload(), key)],
      ['payload tampered (sub changed)', `${h}.${b64({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: '1' })}.${s}`],
      ['signature tampered', `${h}.${p}.${s.slice(0, -3)}${s.endsWith('AAA') ? 'BBB' : 'AAA'}`],
      ['signature stripped', `${h}.${p}.`],
      ['another issuer', craft({ alg: 'HS256', typ: 'JWT', kid }, payload({ iss: 'someone-else' }), key)],
      ['a non-numeric subject', craft({ alg: 'HS256', typ: 'JWT', kid }, payload({ sub: 'admin' }), key)],
      ['no session id', craft({ alg: 'HS256', typ: 'JWT', kid }, payload({ sid: undefined }), key)],
      ['no expiry', craft({ alg: 'HS256', typ: 'JWT', kid }, payload({ exp: undefined }), key)],
      ['not a JWT at all', 'a.b.c'],
      ['a JWE-looking token', 'a.b.c.d.e'],
    ]
    it.each(cases)('%s', async (_name, token) => {
      expect(await codeOf(new AccessTokens({ keyring, clock: clockAt(start) }).verify(token))).toBe('INVALID_TOKEN')
    })
  })

  it('rotates keys: old tokens verify while the old secret is listed, and not after', async () => {
    const clock = clockAt(start)
    const old = await new AccessTokens({ keyring: TokenKeyring.fromSecrets('old-secret'), clock }).sign(claims)
    const rotated = TokenKeyring.fromSecrets('new-secret', ['old-secret'])
    const tokens = new AccessTokens({ keyring: rotated, clock })
    expect((await tokens.verify(old.token)).userId).toBe(42)
    const fresh = await tokens.sign(claims)
    expect(JSON.parse(Buffer.from(fresh.token.split('.')[0]!, 'base64url').toString()).kid).toBe(rotated.current.kid)
    const dropped = new AccessTokens({ keyring: TokenKeyring.fromSecrets('new-secret'), clock })
    expect(await codeOf(dropped.verify(old.token))).toBe('INVALID_TOKEN')
    expect((await dropped.verify(fresh.token)).userId).toBe(42)
  })

  it('accepts a token without kid only under the current key (tokens issued before kids)', async () => {
    const payloadNow = payload()
    const noKid = craft({ alg: 'HS256', typ: 'JWT' }, payloadNow, keyring.current.key)
    expect((await new AccessTokens({ keyring, clock: clockAt(start) }).verify(noKid)).userId).toBe(42)
    const rotated = new TokenKeyring(new Uint8Array(32).fill(7), [keyring.current.key])
    expect(await codeOf(new AccessTokens({ keyring: rotated, clock: clockAt(start) }).verify(noKid))).toBe('INVALID_TOKEN')
  })
})
