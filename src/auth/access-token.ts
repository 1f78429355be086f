import { errors, jwtVerify, SignJWT, type JWTHeaderParameters } from 'jose'
import type { TokenKey, TokenKeyring } from './token-keyring.js'

export interface AccessClaims {
  userId: number
  sessionIdHash: string
  expiresAt: number
}

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60
const ISSUER = 'linkprint'
/** The one algorithm accepted: `alg: none`, RS/ES/PS (HS/RS confusion) and other HS sizes fail before any key is used. */
const ALGORITHMS = ['HS256']

/**
 * Short-lived HS256 tokens naming their key (`kid`), bound to a session by its id hash (`sid`).
 * `notAfterMs` (the session's end) shortens the token: one that outlived its session would
 * be refused anyway, and its `expiresIn` would tell the client to renew too late.
 */
export async function signAccessToken(key: TokenKey, claims: { userId: number; sessionIdHash: string }, nowMs: number, notAfterMs?: number): Promise<{ token: string; expiresIn: number }> {
  const iat = Math.floor(nowMs / 1000)
  const exp = Math.max(iat + 1, Math.min(iat + ACCESS_TOKEN_TTL_SECONDS, notAfterMs === undefined ? Infinity : Math.floor(notAfterMs / 1000)))
  const token = await new SignJWT({ sid: claims.sessionIdHash })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: key.kid })
    .setSubject(String(claims.userId))
    .setIssuer(ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(key.key)
  return { token, expiresIn: exp - iat }
}

export type VerifyResult = { ok: true; claims: AccessClaims } | { ok: false; reason: 'expired' | 'invalid' }

/** Verifies signature, algorithm, key id, issuer and expiry; never throws for a bad token. */
export async function verifyAccessToken(keyring: TokenKeyring, token: string, nowMs: number): Promise<VerifyResult> {
  try {
    const { payload } = await jwtVerify(token, (header: JWTHeaderParameters) => {
      const key = keyring.find(header.kid)
      if (!key) throw new errors.JWKSNoMatchingKey()
      return key.key
    }, { algorithms: ALGORITHMS, issuer: ISSUER, currentDate: new Date(nowMs), typ: 'JWT' })
    const userId = Number(payload.sub)
    if (!Number.isSafeInteger(userId) || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') return { ok: false, reason: 'invalid' }
    return { ok: true, claims: { userId, sessionIdHash: payload.sid, expiresAt: payload.exp * 1000 } }
  } catch (error) {
    // jose checks expiry after the signature, so "expired" is only ever said of a token we signed.
    if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired' }
    if (error instanceof errors.JOSEError || error instanceof TypeError) return { ok: false, reason: 'invalid' }
    throw error
  }
}
