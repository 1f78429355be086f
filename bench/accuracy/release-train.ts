import type { CurrentVersions } from './ua-catalog.js'
import type { Prng } from './prng.js'

const DAY = 86_400_000

/** Products whose version shows up in a request's headers. */
export type Product = 'chrome' | 'firefox' | 'safari' | 'samsung' | 'opera' | 'instagram' | 'facebook' | 'linkedin' | 'tiktok' | 'gsa'

interface Train {
  /** version index at the start of the window */
  base: number
  /** first release inside the window, ms since epoch */
  firstRelease: number
  /** days between releases */
  periodDays: number
}

/**
 * When each product ships a new version during the simulated window, so that
 * user agents change over time as browsers auto-update — one of the things
 * that breaks "same UA = same browser" rules.
 *
 * Cadences (sources):
 * - Chrome and Edge: a new major every 4 weeks since Chrome 94 (Chromium blog,
 *   "Speeding up Chrome's release cycle", March 2021); Edge follows Chromium's
 *   major a few days later.
 * - Firefox: a new major every 4 weeks since Firefox 71 (Mozilla release calendar).
 * - Opera: follows Chromium, one major about every 4 weeks.
 * - Safari ships with the OS; Apple releases an iOS point update about every
 *   4–6 weeks (Apple security releases page, 2023–2025).
 * - Samsung Internet: a major about every 12 weeks.
 * - Instagram and Facebook ship app builds weekly, LinkedIn and TikTok about
 *   every 2 weeks (their App Store version histories); their in-app browser
 *   user agents carry the app version.
 * An install runs the version that was current `lag` ms ago: the lag models
 * staged rollouts and browsers that are restarted days after an update.
 */
export class ReleaseTrain {
  private readonly trains: Record<Product, Train>

  constructor(
    readonly current: CurrentVersions,
    readonly start: number,
    rng: Prng,
  ) {
    const first = (periodDays: number): number => start + rng.between(0.1, periodDays) * DAY
    const safariParts = current.safari.split('.').map(Number)
    this.trains = {
      chrome: { base: current.chrome, firstRelease: first(28), periodDays: 28 },
      firefox: { base: current.firefox, firstRelease: first(28), periodDays: 28 },
      // Safari is tracked as a minor-version index (26.6 → 26.7 → …); see safariVersion().
      safari: { base: (safariParts[1] ?? 0), firstRelease: first(35), periodDays: 35 },
      samsung: { base: current.samsung, firstRelease: first(84), periodDays: 84 },
      opera: { base: current.opera, firstRelease: first(28), periodDays: 28 },
      instagram: { base: 400, firstRelease: first(7), periodDays: 7 },
      facebook: { base: 520, firstRelease: first(7), periodDays: 7 },
      linkedin: { base: 9, firstRelease: first(14), periodDays: 14 },
      tiktok: { base: 41, firstRelease: first(14), periodDays: 14 },
      gsa: { base: 439, firstRelease: first(7), periodDays: 7 },
    }
  }

  /** The version index of `product` for an install that lags `lagMs` behind, at time t. */
  index(product: Product, t: number, lagMs: number): number {
    const train = this.trains[product]
    const seen = t - lagMs
    const periods = Math.floor((seen - train.firstRelease) / (train.periodDays * DAY)) + 1
    return train.base + periods
  }

  chromeMajor(t: number, lagMs: number): number {
    return this.index('chrome', t, lagMs)
  }

  /** e.g. "26.6.1" at the start, then "26.7", "26.8"… after each point release. */
  safariVersion(t: number, lagMs: number): string {
    const parts = this.current.safari.split('.')
    const major = parts[0] ?? '18'
    const baseMinor = Number(parts[1] ?? 0)
    const minor = this.index('safari', t, lagMs)
    if (minor === baseMinor) return this.current.safari
    return `${major}.${minor}`
  }

  /** The Safari (= iOS/macOS point release) version a device runs at time t. */
  appleVersion(device: { fixedSafari?: string; osLagMs: number }, t: number): string {
    return device.fixedSafari ?? this.safariVersion(t, device.osLagMs)
  }

  /** A plausible full build number for products that do not freeze it (CriOS, WebView, Edge iOS). */
  chromeFullVersion(t: number, lagMs: number): string {
    const major = this.chromeMajor(t, lagMs)
    const build = 6800 + (major - 138) * 65
    const patch = 40 + (Math.floor((t - lagMs - this.start) / (7 * DAY)) % 8) * 17
    return `${major}.0.${build}.${Math.max(1, patch)}`
  }
}
