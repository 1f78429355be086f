import { errors, jwtVerify, SignJWT } from 'jose'

export interface AccessClaims {
  userId: number
  sessionIdHash: string
  expiresAt: number
}

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60
const ISSUER = 'linkprint'

/** Short-lived HS256 tokens; the algorithm is pinned on verify, so `alg: none` and HS/RS confusion fail. */
export async function signAccessToken(key: Uint8Array, claims: { userId: number; sessionIdHash: string }, nowMs: number): Promise<{ token: string; expiresIn: number }> {
  const iat = Math.floor(nowMs / 1000)
  const token = await new SignJWT({ sid: claims.sessionIdHash })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(claims.userId))
    .setIssuer(ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ACCESS_TOKEN_TTL_SECONDS)
    .sign(key)
  return { token, expiresIn: ACCESS_TOKEN_TTL_SECONDS }
}

/** undefined for any token that is not ours, expired, or tampered with. */
export async function verifyAccessToken(key: Uint8Array, token: string, nowMs: number): Promise<AccessClaims | undefined> {
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: ISSUER, currentDate: new Date(nowMs) })
    const userId = Number(payload.sub)
    if (!Number.isSafeInteger(userId) || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') return undefined
    return { userId, sessionIdHash: payload.sid, expiresAt: payload.exp * 1000 }
  } catch (error) {
    if (error instanceof errors.JOSEError || error instanceof TypeError) return undefined
    throw error
  }
}
