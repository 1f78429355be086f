import type { BrowserInstall } from './browsers.js'
import { Prng } from './prng.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

/**
 * Safari's Intelligent Tracking Prevention classifies domains that only redirect (bounce
 * trackers — a link shortener is the textbook case: "number of unique domains redirected
 * to" is one of its classifier's three signals) and purges all their website data,
 * cookies included, after 30 days of browser use without user interaction (WebKit blog,
 * "Intelligent Tracking Prevention 2.0", 2018: "30 days: existing cookies are purged";
 * privacycg/proposals#6, "Bounce Tracking Protection", 2020). The 7-day cap of 2020 ("Full
 * Third-Party Cookie Blocking and More") is for script-writeable storage: cookies set by
 * JavaScript, LocalStorage, IndexedDB; it leaves a server-set HttpOnly cookie like
 * device_fp alone (FingerprintJS, "Safari ITP": "Apple recommends … Secure, HttpOnly
 * cookies, because they are not affected by the lifetime cap"; Mozilla's anti-tracking
 * docs, "Cookie Purging": Safari's 7-day purge of classified sources excludes cookies).
 * Safari 16.4's 7-day cap on server-set cookies hits only servers that look like a third
 * party's (CNAME cloaking, a foreign IP), not a shortener on its own domain. All iOS
 * browsers and in-app views use WebKit, so the purge applies to every jar on an iPhone.
 */
export const ITP_CAP_DAYS = 30

/** A private window's jar lives while the window is in use; after this idle gap the next private click opens a new one. */
export const PRIVATE_WINDOW_IDLE_MS = 40 * 60_000

/** "Clear cookies on exit": a new jar after this long without use (the browser was restarted in between). */
export const EXIT_GAP_MS = 6 * HOUR

export interface JarChoice {
  jar: string
  /** true when this request is the jar's first: no cookie yet */
  fresh: boolean
}

interface JarState {
  jar: string
  createdAt: number
  lastUse: number
  itpPurgeAt: number
  clears: number[]
  nextClear: number
}

/**
 * Which cookie jar a request goes out with: one per browser install, renewed
 * when the user clears cookies (by hand, or at every exit), when Safari's
 * tracking prevention purges the shortener's data, and a fresh one for every
 * private window. Jar names are opaque ("j" and a counter) — replay keeps them
 * from the engine anyway, but the cookie-only baseline must not learn anything
 * else from them either.
 *
 * Requests must be asked for in time order per install.
 */
export class Sessions {
  private seq = 0
  private readonly normal = new Map<string, JarState>()
  private readonly privates = new Map<string, { jar: string; lastUse: number }>()

  constructor(
    private readonly seed: string,
    private readonly start: number,
    private readonly end: number,
  ) {}

  /** A jar nobody will ever use again (bots, one-off fetchers). */
  freshJar(): string {
    this.seq++
    return `j${this.seq}`
  }

  jar(install: BrowserInstall, t: number, isPrivate: boolean): JarChoice {
    if (isPrivate) {
      const p = this.privates.get(install.id)
      if (p && t - p.lastUse < PRIVATE_WINDOW_IDLE_MS) {
        p.lastUse = t
        return { jar: p.jar, fresh: false }
      }
      const jar = this.freshJar()
      this.privates.set(install.id, { jar, lastUse: t })
      return { jar, fresh: true }
    }
    let s = this.normal.get(install.id)
    if (!s) {
      s = this.newState(install, t, this.clearTimes(install))
      this.normal.set(install.id, s)
      return { jar: s.jar, fresh: true }
    }
    let renew = false
    while (s.nextClear < s.clears.length && (s.clears[s.nextClear] ?? Infinity) <= t) {
      if ((s.clears[s.nextClear] ?? 0) > s.lastUse) renew = true
      s.nextClear++
    }
    if (install.clearsOnExit && t - s.lastUse > EXIT_GAP_MS) renew = true
    if (install.webkit && t >= s.itpPurgeAt) renew = true
    if (renew) {
      const next = this.newState(install, t, s.clears)
      next.nextClear = s.nextClear
      this.normal.set(install.id, next)
      return { jar: next.jar, fresh: true }
    }
    s.lastUse = t
    return { jar: s.jar, fresh: false }
  }

  private newState(install: BrowserInstall, t: number, clears: number[]): JarState {
    // ITP sweeps run at most daily: the purge lands within a day after the cap.
    const sweep = Prng.at(this.seed, 'itp', install.id, t) * DAY
    return { jar: this.freshJar(), createdAt: t, lastUse: t, itpPurgeAt: t + ITP_CAP_DAYS * DAY + sweep, clears, nextClear: 0 }
  }

  private clearTimes(install: BrowserInstall): number[] {
    if (!Number.isFinite(install.clearEveryDays)) return []
    const r = new Prng(`${this.seed}/clear/${install.id}`)
    const out: number[] = []
    let t = this.start + r.exp(install.clearEveryDays) * DAY
    while (t < this.end) {
      out.push(t)
      t += r.exp(install.clearEveryDays) * DAY
    }
    return out
  }
}
