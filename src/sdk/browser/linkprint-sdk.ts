import { Credentials, SESSION_ID } from './credentials.js'
import { timeZone } from './device-signals.js'
import { forgetFingerprint, generateFingerprint, storedFingerprint, storeFingerprint, type Fingerprint, type FingerprintDetails } from './fingerprint.js'
import { optedOut } from './privacy.js'

export interface LinkprintOptions {
  /** The linkprint server's origin; the SDK adds its headers to requests to it only. */
  readonly server: string
  /**
   * `'required'`: nothing is collected, computed or stored until `grantConsent()` (docs/contracts.md,
   * Privacy: the SDK's fingerprints only after consent where the site asks for it).
   */
  readonly consent?: 'required' | 'not_required'
  /** Follow clicks on same-origin `a[data-linkprint]` links through the SDK (`follow`). */
  readonly intercept?: boolean
  /** How long `follow` waits for the server before navigating the plain way. */
  readonly followTimeoutMs?: number
}

/** Why the SDK sends no fingerprint, or null when it does. */
export type Withheld = 'opted_out' | 'consent_required' | null

/** Short links are one path segment of the server's slug alphabet (links/slug.ts SLUG_PATTERN). */
const SHORT_PATH = /^\/[A-Za-z0-9_-]{1,64}$/

/**
 * The browser SDK: seed 000's client (fingerprint made once and kept, sent only without a
 * token, lost-token recovery) and the SDK click (`follow`), which carries the fingerprint
 * to the redirect that a plain navigation cannot.
 */
export class Linkprint {
  readonly #server: string
  readonly #credentials = new Credentials()
  readonly #followTimeoutMs: number
  #consented: boolean
  #fingerprint: Promise<Fingerprint> | null = null
  #recovering: Promise<boolean> | null = null
  /** A session id the server said cannot be recovered (anonymous, or from another device): not asked again. */
  #unrecoverable: string | null = null

  constructor(options: LinkprintOptions) {
    this.#server = new URL(options.server).origin
    this.#consented = options.consent !== 'required'
    this.#followTimeoutMs = options.followTimeoutMs ?? 3_000
    if (options.intercept) document.addEventListener('click', (event) => this.#intercept(event))
  }

  get server(): string {
    return this.#server
  }

  /** Why no fingerprint is sent; checked on every request, so a visitor turning GPC on is heard at once. */
  withheld(): Withheld {
    if (optedOut()) return 'opted_out'
    return this.#consented ? null : 'consent_required'
  }

  grantConsent(): void {
    this.#consented = true
  }

  /** Withdrawn consent also deletes what was stored. */
  revokeConsent(): void {
    this.#consented = false
    this.#fingerprint = null
    forgetFingerprint()
  }

  /** This device's fingerprint: stored one, else made and stored. Null when withheld. */
  async fingerprint(): Promise<Fingerprint | null> {
    const withheld = this.withheld()
    if (withheld === 'opted_out') {
      // A visitor who turned GPC or DNT on after an earlier visit leaves nothing behind either.
      this.#fingerprint = null
      forgetFingerprint()
    }
    if (withheld) return null
    this.#fingerprint ??= (async () => {
      const stored = storedFingerprint()
      if (stored) return stored
      const made = await generateFingerprint()
      storeFingerprint(made)
      return made
    })()
    return this.#fingerprint
  }

  /** Makes the fingerprint afresh with its components (the test page), without storing it. Null when withheld. */
  async generate(): Promise<FingerprintDetails | null> {
    return this.withheld() ? null : generateFingerprint()
  }

  /** The client headers of docs/contracts.md for an anonymous request: fingerprints and time zone, when allowed. */
  async fingerprintHeaders(): Promise<Record<string, string>> {
    const fp = await this.fingerprint()
    if (!fp) return {}
    const headers: Record<string, string> = { 'x-device-fingerprint': fp.device, 'x-browser-fingerprint': fp.browser }
    const zone = timeZone()
    if (zone) headers['x-timezone'] = zone
    return headers
  }

  get token(): string | null {
    return this.#credentials.token
  }

  get sessionId(): string | null {
    return this.#credentials.sessionId
  }

  /** For applications that sign in by themselves: the token and session id their login returned. */
  setSession(token: string | null, sessionId: string | null): void {
    this.#credentials.token = token
    this.#credentials.sessionId = sessionId
  }

  /** `POST /api/auth/login` with the fingerprint, so the session is bound to this device and can be recovered. */
  async login(email: string, password: string): Promise<Response> {
    const headers = new Headers({ 'content-type': 'application/json', ...(await this.fingerprintHeaders()) })
    const res = await fetch(`${this.#server}/api/auth/login`, { method: 'POST', headers, body: JSON.stringify({ email, password }), credentials: 'same-origin' })
    if (res.ok) {
      const body = (await res.clone().json()) as { token?: unknown; sessionId?: unknown }
      if (typeof body.token === 'string' && typeof body.sessionId === 'string') this.setSession(body.token, body.sessionId)
    }
    return res
  }

  async logout(): Promise<void> {
    if (this.token) await this.fetch(`${this.#server}/api/auth/logout`, { method: 'POST' }).catch(() => undefined)
    this.setSession(null, null)
  }

  /**
   * fetch() with seed 000's smart header selection, for requests to the server only (a
   * bearer token or a fingerprint sent to a third party would be a leak): with a token,
   * `Authorization` alone; without, the fingerprint headers and `X-Session-Id`. A 401
   * while a session id is kept is a lost or expired token: one recovery, one retry.
   */
  async fetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
    const url = new URL(input instanceof Request ? input.url : String(input), location.href)
    if (url.origin !== this.#server) return fetch(input, init)
    // A Request's body can be read once: keep a copy for the retry.
    const spare = input instanceof Request ? input.clone() : null
    const first = await this.#send(input, init)
    if (first.status !== 401 || !(await tokenProblem(first))) return first
    // The token did not do: it is gone either way.
    this.#credentials.token = null
    if (!this.sessionId || this.sessionId === this.#unrecoverable || !replayable(init)) return first
    if (!(await this.recover())) return first
    return this.#send(spare ?? input, init)
  }

  /**
   * Case 2: a new token from the session id and this device's fingerprint; the rotated id
   * replaces the old one. Tabs share the session id, and replaying a rotated id revokes
   * its successor, so recoveries are serialised across tabs (Web Locks, where available)
   * and each reads the id afresh once it holds the lock.
   */
  async recover(): Promise<boolean> {
    this.#recovering ??= (async () => {
      try {
        const locks = (navigator as Navigator & { locks?: LockManager }).locks
        return locks ? await locks.request('linkprint-recover', () => this.#recover()) : await this.#recover()
      } finally {
        this.#recovering = null
      }
    })()
    return this.#recovering
  }

  async #recover(): Promise<boolean> {
    const sessionId = this.sessionId
    const fp = await this.fingerprintHeaders()
    if (!sessionId || !SESSION_ID.test(sessionId) || !fp['x-device-fingerprint']) return false
    const res = await fetch(`${this.#server}/api/auth/recover`, {
      method: 'POST', headers: { ...fp, 'x-session-id': sessionId }, credentials: 'same-origin', cache: 'no-store',
    }).catch(() => null)
    if (!res?.ok) {
      // A session the server no longer knows is dropped; one it will not recover (anonymous, another
      // device) is kept for what it still does, and not asked about again. Rate limits and outages keep it.
      if (res?.status === 401) this.setSession(null, null)
      else if (res?.status === 403) this.#unrecoverable = sessionId
      return false
    }
    const body = (await res.json()) as { token?: unknown; sessionId?: unknown }
    if (typeof body.token !== 'string' || typeof body.sessionId !== 'string') return false
    this.setSession(body.token, body.sessionId)
    return true
  }

  async #send(input: RequestInfo | URL, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined))
    const token = this.token
    if (token) {
      // Case 3: the token says who it is; no fingerprint work on either side.
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${token}`)
    } else {
      for (const [name, value] of Object.entries(await this.fingerprintHeaders())) if (!headers.has(name)) headers.set(name, value)
      const sessionId = this.sessionId
      if (sessionId && SESSION_ID.test(sessionId)) headers.set('x-session-id', sessionId)
    }
    const res = await fetch(input, { credentials: 'same-origin', ...init, headers })
    // An anonymous session was opened for us: keep its id (seed 000, case 1). Never over a signed-in one.
    const opened = res.headers.get('x-session-id')
    if (opened && SESSION_ID.test(opened) && !this.token) this.#credentials.sessionId = opened
    return res
  }

  /**
   * The SDK click: a navigation cannot carry headers, so the short link is requested with
   * `Accept: application/json` and the fingerprint; the server records the click exactly
   * as for a redirect and answers `{url, status}`, and the page goes there. Anything else
   * — another origin, an old server, an error, a timeout — is a plain navigation, so a
   * click is never lost (at worst an old server counts it twice). No token or session id
   * is sent: the redirect does not read them.
   */
  async follow(href: string): Promise<void> {
    let url: URL
    try {
      url = new URL(href, location.href)
    } catch {
      return
    }
    // Never a javascript: or data: URL, whatever a caller passes in.
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return
    if (url.origin !== this.#server || !SHORT_PATH.test(url.pathname)) return location.assign(url.href)
    const abort = new AbortController()
    const timer = setTimeout(() => abort.abort(), this.#followTimeoutMs)
    try {
      const res = await fetch(url.href, {
        headers: { accept: 'application/json', ...(await this.fingerprintHeaders()) },
        credentials: 'same-origin', cache: 'no-store', redirect: 'manual', signal: abort.signal,
      })
      if (res.ok) {
        const body = (await res.json()) as { url?: unknown }
        if (typeof body.url === 'string' && /^https?:\/\//i.test(body.url)) return location.assign(body.url)
      }
    } catch {
      // Network error, timeout, not JSON: the plain navigation below.
    } finally {
      clearTimeout(timer)
    }
    // 404 and 410 too: the server's own page says what happened to the link.
    location.assign(url.href)
  }

  #intercept(event: MouseEvent): void {
    // New tabs, downloads and modified clicks stay the browser's: the SDK only replaces a plain click.
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    const target = event.target instanceof Element ? event.target.closest('a[data-linkprint]') : null
    if (!(target instanceof HTMLAnchorElement) || !target.href || target.hasAttribute('download')) return
    if (target.target && target.target !== '_self') return
    if (new URL(target.href, location.href).origin !== this.#server || location.origin !== this.#server) return
    event.preventDefault()
    void this.follow(target.href)
  }
}

/**
 * Whether a 401 is about the caller's credentials (none, expired, revoked) — what a
 * recovery can mend — rather than another route's own refusal (a missing visitor cookie).
 */
async function tokenProblem(res: Response): Promise<boolean> {
  try {
    const body = (await res.clone().json()) as { error?: { code?: unknown } }
    const code = body.error?.code
    return code === 'UNAUTHORIZED' || code === 'TOKEN_EXPIRED' || code === 'INVALID_TOKEN'
  } catch {
    return false
  }
}

/** A body that can be sent twice: none, or one the SDK can resend as it is (not a stream). */
function replayable(init: RequestInit): boolean {
  const body = init.body
  return body === undefined || body === null || !(typeof ReadableStream !== 'undefined' && body instanceof ReadableStream)
}
