import type { BrowserInstall } from './browsers.js'
import { Prng } from './prng.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

/**
 * Safari's Intelligent Tracking Prevention (ITP) counts, per browser data store, the
 * distinct sites a domain redirects the top frame to; with more than 3 it is classified as
 * prevalent — a bounce tracker, of which a link shortener is the textbook case (WebKit,
 * "Safari Intelligent Tracking Prevention", Vector Threshold: `topFrameUniqueRedirectsTo
 * > 3`; ITP 2.0: "detect when a domain is solely used as a first party bounce tracker").
 * A prevalent domain the user has never interacted with as first party — nobody interacts
 * with a redirect — has its website data, cookies included, deleted at the next removal
 * pass (WebKit ResourceLoadStatisticsMemoryStore.cpp, topPrivatelyControlledDomainsTo-
 * RemoveWebsiteDataFor: `isPrevalentResource && !hasHadUnexpiredRecentUserInteraction`;
 * the same doc, "Purging cookies": "If the user has never interacted with the prevalent
 * domain … first-party cookies will be deleted"). Removal passes run at most once an hour
 * (minimumTimeBetweenDataRecordsRemoval). So once an install has been redirected by the
 * shortener to more than 3 sites, its cookie lives until the next pass: a click more than
 * ITP_REMOVAL_GAP_MS after the jar's last use finds none. The 30-day figure of ITP 2.0 is
 * for domains the user did interact with (30 days of use after the last interaction).
 * All iOS browsers and in-app views are WebKit, and WKWebView apps have ITP on by default
 * since iOS 14 (WebKit, WWDC 2020): the rule applies to every jar on an iPhone.
 */
export const ITP_UNIQUE_REDIRECTS_THRESHOLD = 3
export const ITP_REMOVAL_GAP_MS = 3_600_000

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
  /** Per WebKit install: the sites the shortener has redirected it to (ITP's statistics live in the browser's data store). */
  private readonly redirectedTo = new Map<string, Set<string>>()

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

  /**
   * `site` is where the click is redirected to: ITP records the redirect, and may classify
   * the shortener for this install from the next click on. Private windows keep no statistics.
   */
  jar(install: BrowserInstall, t: number, isPrivate: boolean, site?: string): JarChoice {
    const choice = this.choose(install, t, isPrivate)
    if (install.webkit && !isPrivate && site !== undefined) {
      let sites = this.redirectedTo.get(install.id)
      if (!sites) this.redirectedTo.set(install.id, (sites = new Set()))
      sites.add(site)
    }
    return choice
  }

  /** Whether ITP has classified the shortener as a bounce tracker in this install. */
  private classified(install: BrowserInstall): boolean {
    return install.webkit && (this.redirectedTo.get(install.id)?.size ?? 0) > ITP_UNIQUE_REDIRECTS_THRESHOLD
  }

  private choose(install: BrowserInstall, t: number, isPrivate: boolean): JarChoice {
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
    if (this.classified(install) && t - s.lastUse >= ITP_REMOVAL_GAP_MS) renew = true
    if (renew) {
      const next = this.newState(install, t, s.clears)
      next.nextClear = s.nextClear
      this.normal.set(install.id, next)
      return { jar: next.jar, fresh: true }
    }
    s.lastUse = t
    return { jar: s.jar, fresh: false }
  }

  private newState(_install: BrowserInstall, t: number, clears: number[]): JarState {
    return { jar: this.freshJar(), createdAt: t, lastUse: t, clears, nextClear: 0 }
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
