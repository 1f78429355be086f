import { createHash, randomBytes } from 'node:crypto'

/** 256-bit random session ids; only their hash is stored, so a database leak opens no session. */
export function generateSessionId(): { sessionId: string; idHash: string } {
  const sessionId = randomBytes(32).toString('base64url')
  return { sessionId, idHash: hashSessionId(sessionId) }
}

export function hashSessionId(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('base64url')
}
