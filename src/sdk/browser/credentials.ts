/**
 * Where the SDK keeps what signs a visitor in.
 *
 * The session id goes in localStorage, as seed 000 says: it must outlive the tab and the
 * access token, because it is what recovers a lost token, and alone it is useless (the
 * server also wants the device fingerprint the session was bound to).
 *
 * The access token goes in sessionStorage, not in memory and not in localStorage. Memory
 * would lose it on every navigation, and each page would start with a recovery, which
 * rotates the session id: more round trips, and tabs racing each other's rotations.
 * localStorage would keep a bearer token on the disk after the tab is closed, for whoever
 * uses the browser next. sessionStorage lives as long as the tab, survives reloads, and is
 * never sent on its own as a cookie would be (no CSRF). Script on the page can read it —
 * but such a script could call the API through the page just as well, so memory would not
 * protect it either.
 */
export const SESSION_ID_KEY = 'linkprint_session_id'
export const TOKEN_KEY = 'linkprint_token'

export class Credentials {
  #token: string | null = null

  get token(): string | null {
    return this.#token ?? read(() => window.sessionStorage, TOKEN_KEY)
  }

  set token(value: string | null) {
    this.#token = value
    write(() => window.sessionStorage, TOKEN_KEY, value)
  }

  get sessionId(): string | null {
    return read(() => window.localStorage, SESSION_ID_KEY)
  }

  set sessionId(value: string | null) {
    write(() => window.localStorage, SESSION_ID_KEY, value)
  }
}

/** The id format the server accepts (43 base64url characters); anything else is not worth sending. */
export const SESSION_ID = /^[A-Za-z0-9_-]{43}$/

function read(store: () => Storage, key: string): string | null {
  try {
    return store().getItem(key)
  } catch {
    return null
  }
}

function write(store: () => Storage, key: string, value: string | null): void {
  try {
    if (value === null) store().removeItem(key)
    else store().setItem(key, value)
  } catch {
    // Storage refused: the value lives in memory (token) or not at all (session id) for this page.
  }
}
