import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** What a bridge page's token says: which link, which visit (its nonce), when, and where the visitor came from. */
export interface BridgeVisit {
  readonly linkId: number
  /** The bridge request's time: the held click's timestamp. */
  readonly ts: number
  /** 128 random bits naming the visit; the one-time claim is on it. */
  readonly nonce: string
  /** The host of the bridge request's Referer: the page's own click carries the page's URL as its referrer instead. */
  readonly referrerHost: string | null
}

const MAC_LENGTH = 22
const MAX_TOKEN = 400
const HOST = /^[a-z0-9.-]{1,253}$/

/**
 * The bridge page's one-time token, `linkId.ts.nonce.referrerHost.mac` (base36 numbers,
 * base64url nonce, host in base64url, HMAC-SHA-256 truncated to 128 bits): signed, so a
 * visitor cannot mint one for another link or visit, and self-contained, so any instance
 * can check it. Single use is not the token's business: the claim store keeps it (docs/bridge.md).
 */
export class BridgeTokens {
  readonly #key: Buffer
  readonly #ttlMs: number

  /** `ttlMs`: how long a page's token is honoured; its claim must be kept at least as long. */
  constructor(key: Buffer, ttlMs: number) {
    this.#key = key
    this.#ttlMs = ttlMs
  }

  get ttlMs(): number {
    return this.#ttlMs
  }

  issue(linkId: number, ts: number, referrerHost: string | null): { token: string; visit: BridgeVisit } {
    const nonce = randomBytes(16).toString('base64url')
    const host = referrerHost !== null && HOST.test(referrerHost) ? referrerHost : null
    const body = `${linkId.toString(36)}.${Math.floor(ts).toString(36)}.${nonce}.${host === null ? '' : Buffer.from(host).toString('base64url')}`
    return { token: `${body}.${this.#mac(body)}`, visit: { linkId, ts: Math.floor(ts), nonce, referrerHost: host } }
  }

  /** The visit, when the token is this server's, for this link, and not older than the TTL; else null (treated as no token). */
  verify(token: string, linkId: number, now: number): BridgeVisit | null {
    if (token.length > MAX_TOKEN) return null
    const parts = token.split('.')
    if (parts.length !== 5) return null
    const [id, time, nonce, host, mac] = parts as [string, string, string, string, string]
    const expected = Buffer.from(this.#mac(`${id}.${time}.${nonce}.${host}`))
    const given = Buffer.from(mac)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
    const ts = parseInt(time, 36)
    // A minute's grace for clocks of several instances that disagree a little.
    if (parseInt(id, 36) !== linkId || !(now - ts <= this.#ttlMs && ts - now <= 60_000)) return null
    const referrerHost = host === '' ? null : Buffer.from(host, 'base64url').toString()
    return { linkId, ts, nonce, referrerHost: HOST.test(referrerHost ?? '') ? referrerHost : null }
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url').slice(0, MAC_LENGTH)
  }
}
