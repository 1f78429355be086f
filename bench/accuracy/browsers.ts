import type { Device } from './devices.js'
import type { Prng } from './prng.js'
import type { ReleaseTrain } from './release-train.js'

const DAY = 86_400_000

/**
 * What renders a page: a browser, or an app's embedded view. Each is a
 * separate storage context (cookie jar) — which is why an Instagram in-app
 * browser and Safari on one iPhone are two "browser installs" in the truth.
 * - webview: Android System WebView inside an app (Instagram, Facebook…)
 * - wkwebview: WKWebView inside an iOS app (its own cookie store)
 * - sfsvc: SFSafariViewController inside an iOS app: Safari's UA, but since
 *   iOS 11 a cookie store of its own per app.
 */
export type BrowserFamily = 'chrome' | 'edge' | 'firefox' | 'safari' | 'opera' | 'brave' | 'samsung' | 'crios' | 'fxios' | 'webview' | 'wkwebview' | 'sfsvc'
export type App = 'instagram' | 'facebook' | 'linkedin' | 'tiktok' | 'gmail' | 'x'

export interface BrowserInstall {
  id: string
  deviceId: string
  family: BrowserFamily
  /** for webview/wkwebview/sfsvc */
  app?: App
  isDefault: boolean
  /** How far behind the newest release this install runs (ms). */
  updateLagMs: number
  /** WebKit storage rules apply (Safari's tracking prevention caps the shortener's cookie). */
  webkit: boolean
  /** An ad/script blocker stops the SDK here. */
  sdkBlocked: boolean
  /** Deletes cookies at every browser restart. */
  clearsOnExit: boolean
  /** Mean days between manual cookie deletions (Infinity = never). */
  clearEveryDays: number
  /** The device-level SDK signals read here match the other browsers of the device (see sdk-signals.ts). */
  deviceSignalsStable: boolean
  /** Browser-level uniqueness (extensions, settings), or null. */
  extEntropy: string | null
  dnt: boolean
  /** Sends Sec-GPC: 1 in every window (Brave, DuckDuckGo) */
  gpc: boolean
  /** Android WebView: sends X-Requested-With with the app's package. */
  xRequestedWith: boolean
}

export interface RequestContext {
  private: boolean
  /** Where the link was opened from, for Referer and Sec-Fetch-Site. */
  referer?: string
  /** Android Custom Tabs send "android-app://<package>/" as referrer. */
  viaApp?: string
}

const APP_PACKAGES: Record<App, string> = {
  instagram: 'com.instagram.android',
  facebook: 'com.facebook.katana',
  linkedin: 'com.linkedin.android',
  tiktok: 'com.zhiliaoapp.musically',
  gmail: 'com.google.android.gm',
  x: 'com.twitter.android',
}

/**
 * Default-browser shares by OS, approximating StatCounter Global Stats for
 * Europe (2024): Chrome dominates Windows and Android, Safari leads on Apple
 * devices, Edge is Windows' second, Samsung Internet ships as default on
 * Samsung phones.
 */
const DEFAULT_BROWSER: Record<string, ReadonlyArray<readonly [BrowserFamily, number]>> = {
  windows: [['chrome', 0.68], ['edge', 0.2], ['firefox', 0.07], ['opera', 0.03], ['brave', 0.02]],
  mac: [['safari', 0.47], ['chrome', 0.43], ['firefox', 0.05], ['edge', 0.03], ['brave', 0.02]],
  linux: [['chrome', 0.5], ['firefox', 0.5]],
  chromeos: [['chrome', 1]],
  android: [['chrome', 0.92], ['firefox', 0.05], ['brave', 0.03]],
  androidSamsung: [['chrome', 0.62], ['samsung', 0.33], ['firefox', 0.03], ['brave', 0.02]],
  ios: [['safari', 0.86], ['crios', 0.12], ['fxios', 0.02]],
  ipados: [['safari', 0.9], ['crios', 0.1]],
}

/** What a second (or third) browser on the same OS tends to be. */
const OTHER_BROWSERS: Record<string, ReadonlyArray<readonly [BrowserFamily, number]>> = {
  windows: [['chrome', 0.4], ['edge', 0.35], ['firefox', 0.15], ['opera', 0.06], ['brave', 0.04]],
  mac: [['chrome', 0.45], ['safari', 0.3], ['firefox', 0.15], ['edge', 0.05], ['brave', 0.05]],
  linux: [['firefox', 0.5], ['chrome', 0.5]],
  chromeos: [['chrome', 1]],
  android: [['chrome', 0.4], ['firefox', 0.35], ['samsung', 0.15], ['brave', 0.1]],
  ios: [['crios', 0.7], ['fxios', 0.2], ['safari', 0.1]],
  ipados: [['crios', 1]],
}

/**
 * Cross-browser stability of the SDK's device-level signals: issue #4 cites
 * ≈ 91 % (cf. Cao, Li & Wijmans, "(Cross-)Browser Fingerprinting via OS and
 * Hardware Level Features", NDSS 2017, whose cross-browser features identify
 * most but not all users across browsers). The rest of the installs read at
 * least one device signal differently (Firefox's and Safari's font and
 * screen protections, Brave's farbling, a GPU string masked by one browser).
 */
export const DEVICE_SIGNAL_STABILITY = 0.91

/**
 * Share of desktop users on two or more browsers: ≈ 70 % (issue #4, citing
 * Cao et al., NDSS 2017).
 */
export const MULTI_BROWSER_SHARE = 0.7

export class Browsers {
  private seq = 0

  constructor(
    private readonly rng: Prng,
    private readonly releases: ReleaseTrain,
  ) {}

  private nextId(): string {
    this.seq++
    return `b${String(this.seq).padStart(5, '0')}`
  }

  /** The installs of a device: a default browser, maybe others, and the in-app views of the user's apps. */
  installsFor(device: Device, apps: readonly App[], opts: { managed?: { defaultBrowser: BrowserFamily; lagMs: number }; multiBrowserShare?: number } = {}): BrowserInstall[] {
    const out: BrowserInstall[] = []
    const osKey = device.os === 'android' && device.brand === 'samsung' ? 'androidSamsung' : device.os
    const desktop = device.kind === 'laptop' || device.kind === 'desktop' || device.kind === 'work-laptop'
    const first: BrowserFamily = opts.managed?.defaultBrowser ?? this.rng.weighted(DEFAULT_BROWSER[osKey] ?? [['chrome', 1]])
    out.push(this.make(device, first, true, opts.managed?.lagMs))
    const others = (OTHER_BROWSERS[device.os] ?? []).filter(([f]) => f !== first && (f !== 'samsung' || device.brand === 'samsung'))
    let extra = 0
    if (desktop) {
      if (this.rng.chance(opts.multiBrowserShare ?? MULTI_BROWSER_SHARE)) extra = this.rng.chance(0.3) ? 2 : 1
      // Windows always has Edge and work laptops open Outlook/Teams links in it (Microsoft, 2023).
      if (device.kind === 'work-laptop' && device.os === 'windows' && first !== 'edge' && !others.some(([f]) => f === 'edge')) extra = Math.max(extra, 1)
    } else if (this.rng.chance(0.15)) {
      extra = 1
    }
    const pool = others.slice()
    for (let i = 0; i < extra && pool.length > 0; i++) {
      const f = device.kind === 'work-laptop' && device.os === 'windows' && first !== 'edge' && i === 0 && pool.some(([g]) => g === 'edge') ? 'edge' : this.rng.weighted(pool)
      const idx = pool.findIndex(([g]) => g === f)
      pool.splice(idx, 1)
      out.push(this.make(device, f, false, opts.managed?.lagMs))
    }
    if (device.kind === 'phone' || device.kind === 'tablet') {
      for (const app of apps) {
        if (device.os === 'android') {
          // Gmail and X open Custom Tabs: the default browser's own jar, so no install of their own.
          if (app === 'gmail' || app === 'x') continue
          out.push(this.make(device, 'webview', false, undefined, app))
        } else if (app === 'gmail' || app === 'x') {
          out.push(this.make(device, 'sfsvc', false, undefined, app))
        } else {
          out.push(this.make(device, 'wkwebview', false, undefined, app))
        }
      }
    }
    return out
  }

  private make(device: Device, family: BrowserFamily, isDefault: boolean, managedLag?: number, app?: App): BrowserInstall {
    const webkit = device.os === 'ios' || device.os === 'ipados' || family === 'safari'
    const desktop = device.kind !== 'phone' && device.kind !== 'tablet'
    // Auto-update lag: Chrome/Firefox update in the background but apply on restart; Play Store and
    // App Store auto-updates trail by days. Means are assumptions (no public distribution).
    const lag = managedLag ?? this.rng.exp(desktop ? 3 : 5) * DAY
    return {
      id: this.nextId(),
      deviceId: device.id,
      family,
      ...(app ? { app } : {}),
      isDefault,
      updateLagMs: lag,
      webkit,
      // Share of installs whose blocker stops a first-party fingerprinting script: a minority of
      // ad-blocker users (≈ 30 % of desktop users run one, GWI 2023) with fingerprinting lists on.
      sdkBlocked: family === 'webview' || family === 'wkwebview' ? false : this.rng.chance(desktop ? 0.08 : 0.03),
      // comScore (2007, "Cookie-Deletion Whitepaper"): ~30 % of desktop users delete first-party
      // cookies in a month; a few percent do it at every exit. Phones far less.
      clearsOnExit: desktop && this.rng.chance(0.03),
      clearEveryDays: this.rng.chance(desktop ? 0.3 : 0.08) ? this.rng.between(10, 40) : Infinity,
      deviceSignalsStable: family === 'brave' ? false : this.rng.chance(DEVICE_SIGNAL_STABILITY),
      extEntropy: desktop && this.rng.chance(0.35) ? this.rng.hex(10) : null,
      // DNT: ~2 % of Chrome users and ~7–11 % of Firefox users sent it (Chitika ad network via FPF, Dec 2013;
      // Mozilla's DNT dashboard, May 2013). WebKit cannot send it at all since Safari 12.1 ("Removed support for
      // the expired Do Not Track standard", release notes, 2019) — Safari and every iOS browser and in-app view —
      // and an Android app's WebView has no such setting. (Drawn for every install so the stream stays aligned.)
      dnt: this.rng.chance(family === 'firefox' ? 0.1 : 0.02) && !webkit && family !== 'webview',
      gpc: family === 'brave',
      xRequestedWith: family === 'webview' && this.rng.chance(0.5),
    }
  }

  /** The request headers this install sends at time t. */
  headers(install: BrowserInstall, device: Device, t: number, ctx: RequestContext): Record<string, string> {
    const ua = this.userAgent(install, device, t)
    const h: Record<string, string> = {}
    h['user-agent'] = ua
    const chromium = isChromium(install.family)
    h['accept'] = chromium
      ? 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7'
      : 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
    h['accept-language'] = acceptLanguage(install.family, install.webkit, device.langs)
    h['accept-encoding'] = install.webkit ? 'gzip, deflate, br' : 'gzip, deflate, br, zstd'
    if (chromium && !install.webkit) {
      Object.assign(h, this.clientHints(install, device, t))
    }
    h['upgrade-insecure-requests'] = '1'
    h['sec-fetch-dest'] = 'document'
    h['sec-fetch-mode'] = 'navigate'
    h['sec-fetch-site'] = ctx.referer ? 'cross-site' : 'none'
    h['sec-fetch-user'] = '?1'
    if (ctx.referer) h['referer'] = ctx.referer
    else if (ctx.viaApp && device.os === 'android' && (install.family === 'chrome' || install.family === 'samsung')) h['referer'] = `android-app://${ctx.viaApp}/`
    if (install.xRequestedWith && install.app) h['x-requested-with'] = APP_PACKAGES[install.app]
    if (install.dnt) h['dnt'] = '1'
    // Firefox turns Global Privacy Control on in private windows (Firefox 120+); Brave always.
    if (install.gpc || (ctx.private && install.family === 'firefox')) h['sec-gpc'] = '1'
    return h
  }

  userAgent(install: BrowserInstall, device: Device, t: number): string {
    const r = this.releases
    const lag = install.updateLagMs
    const M = r.chromeMajor(t, lag)
    const F = r.index('firefox', t, lag)
    const mobile = device.kind === 'phone' ? ' Mobile' : ''
    const iosToken = device.os === 'ipados' ? 'iPad; CPU OS ' + iosUnderscore(device.uaOsToken) + ' like Mac OS X' : device.uaOsToken
    const safariVersion = r.appleVersion(device, t)
    switch (install.family) {
      case 'chrome':
      case 'brave':
        return `Mozilla/5.0 (${device.uaOsToken}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${M}.0.0.0${mobile} Safari/537.36`
      case 'edge':
        return `Mozilla/5.0 (${device.uaOsToken}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${M}.0.0.0${mobile} Safari/537.36 ${device.os === 'android' ? 'EdgA' : 'Edg'}/${M}.0.0.0`
      case 'opera': {
        const O = r.index('opera', t, lag)
        return `Mozilla/5.0 (${device.uaOsToken}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${O + 16}.0.0.0 Safari/537.36 OPR/${O}.0.0.0`
      }
      case 'samsung': {
        const S = r.index('samsung', t, lag)
        return `Mozilla/5.0 (${device.uaOsToken}) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/${S}.0 Chrome/${r.current.samsungChromium + (S - r.current.samsung) * 3}.0.0.0${mobile} Safari/537.36`
      }
      case 'firefox': {
        if (device.os === 'android') return `Mozilla/5.0 (Android ${device.androidVersion ?? '14'}; ${device.kind === 'phone' ? 'Mobile' : 'Tablet'}; rv:${F}.0) Gecko/${F}.0 Firefox/${F}.0`
        const token = device.os === 'windows' ? 'Windows NT 10.0; Win64; x64' : device.os === 'mac' ? 'Macintosh; Intel Mac OS X 10.15' : 'X11; Linux x86_64'
        return `Mozilla/5.0 (${token}; rv:${F}.0) Gecko/20100101 Firefox/${F}.0`
      }
      case 'safari':
      case 'sfsvc':
        if (device.os === 'mac' || device.os === 'ipados') return `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${safariVersion} Safari/605.1.15`
        return `Mozilla/5.0 (${iosToken}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${safariVersion} Mobile/15E148 Safari/604.1`
      case 'crios':
        return `Mozilla/5.0 (${iosToken}) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/${r.chromeFullVersion(t, lag)} Mobile/15E148 Safari/604.1`
      case 'fxios':
        return `Mozilla/5.0 (${iosToken}) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/${F}.0 Mobile/15E148 Safari/605.1.15`
      case 'webview':
        return `Mozilla/5.0 (Linux; Android ${device.androidVersion ?? '14'}; ${device.model} Build/${device.androidBuild ?? 'UP1A.231005.007'}; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/${r.chromeFullVersion(t, lag)}${mobile} Safari/537.36${this.appToken(install, device, t)}`
      case 'wkwebview':
        return `Mozilla/5.0 (${iosToken}) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148${this.appToken(install, device, t)}`
    }
  }

  /** In-app browsers append the app's own token, which carries the app version and often the model. */
  private appToken(install: BrowserInstall, device: Device, t: number): string {
    const r = this.releases
    const lag = install.updateLagMs
    const loc = (device.langs[0] ?? 'en-US').replace('-', '_')
    const lang = (device.langs[0] ?? 'en').split('-')[0]
    const iosVersion = r.appleVersion(device, t).replace(/\./g, '_')
    const android = device.os === 'android'
    switch (install.app) {
      case 'instagram': {
        const v = r.index('instagram', t, lag)
        return android
          ? ` Instagram ${v}.0.0.${30 + (v % 7)}.${100 + (v % 50)} Android (${apiLevel(device.androidVersion)}/${device.androidVersion}; ${Math.round(device.screen.dpr * 160)}dpi; ${Math.round(device.screen.w * device.screen.dpr)}x${Math.round(device.screen.h * device.screen.dpr)}; ${device.brand === 'Google' ? 'Google/google' : device.brand}; ${device.model}; ${device.model.toLowerCase().replace(/\s+/g, '')}; qcom; ${loc}; ${700000000 + v * 1013})`
          : ` Instagram ${v}.0.0.${20 + (v % 9)}.${60 + (v % 40)} (${device.model}; iOS ${iosVersion}; ${loc}; ${lang}; scale=${device.screen.dpr.toFixed(2)}; ${device.screen.w * device.screen.dpr}x${device.screen.h * device.screen.dpr}; ${800000000 + v * 977}; IABMV/1)`
      }
      case 'facebook': {
        const v = r.index('facebook', t, lag)
        return android
          ? ` [FB_IAB/FB4A;FBAV/${v}.0.0.${40 + (v % 20)}.${70 + (v % 30)};IABMV/1;]`
          : ` [FBAN/FBIOS;FBAV/${v}.0.0.${30 + (v % 20)}.${100 + (v % 60)};FBBV/${700000000 + v * 331};FBDV/${device.model};FBMD/iPhone;FBSN/iOS;FBSV/${iosVersion.replace(/_/g, '.')};FBSS/${device.screen.dpr};FBID/phone;FBLC/${loc};FBOP/5;FBRV/0;IABMV/1]`
      }
      case 'linkedin': {
        const v = r.index('linkedin', t, lag)
        return android ? ` LinkedInApp/4.1.${1000 + v * 7}` : ` [LinkedInApp]/9.${30 + v}.${1000 + v * 13}`
      }
      case 'tiktok': {
        const v = r.index('tiktok', t, lag)
        return android
          ? ` trill_${v}0${v % 10}0 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/${v}.${v % 10}.0 ByteLocale/${loc} Region/${(device.langs[0] ?? 'en-US').split('-')[1] ?? 'US'} BytedanceWebview/d8a21c6`
          : ` musical_ly_${v}.${v % 10}.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/${lang} Region/${(device.langs[0] ?? 'en-US').split('-')[1] ?? 'US'} FalconTag/${v}`
      }
      default:
        return ''
    }
  }

  /** Low-entropy client hints: sent by Chromium on every request without opt-in. */
  private clientHints(install: BrowserInstall, device: Device, t: number): Record<string, string> {
    const r = this.releases
    const lag = install.updateLagMs
    const M = install.family === 'opera' ? r.index('opera', t, lag) + 16 : install.family === 'samsung' ? r.current.samsungChromium + (r.index('samsung', t, lag) - r.current.samsung) * 3 : r.chromeMajor(t, lag)
    const brand = install.family === 'edge' ? ['Microsoft Edge', String(M)]
      : install.family === 'opera' ? ['Opera', String(r.index('opera', t, lag))]
      : install.family === 'brave' ? ['Brave', String(M)]
      : install.family === 'samsung' ? ['Samsung Internet', `${r.index('samsung', t, lag)}.0`]
      : install.family === 'webview' ? ['Android WebView', String(M)]
      : ['Google Chrome', String(M)]
    const platform = device.os === 'windows' ? 'Windows' : device.os === 'mac' ? 'macOS' : device.os === 'android' ? 'Android' : device.os === 'chromeos' ? 'Chrome OS' : 'Linux'
    return {
      'sec-ch-ua': greasedBrands(M, brand as [string, string]),
      'sec-ch-ua-mobile': device.kind === 'phone' ? '?1' : '?0',
      'sec-ch-ua-platform': `"${platform}"`,
    }
  }
}

export function isChromium(f: BrowserFamily): boolean {
  return f === 'chrome' || f === 'edge' || f === 'opera' || f === 'brave' || f === 'samsung' || f === 'webview'
}

/**
 * Chromium's GREASE'd brand list ("Not?A_Brand"), whose spelling, version and
 * order change with the major version (Chromium's user_agent_utils.cc,
 * GetGreasedUserAgentBrandVersion).
 */
function greasedBrands(major: number, brand: [string, string]): string {
  const chars = [' ', '(', ':', '-', '.', '/', ')', ';', '=', '?', '_']
  const versions = ['8', '99', '24']
  const grease = [`Not${chars[major % chars.length]}A${chars[(major + 1) % chars.length]}Brand`, versions[major % versions.length] ?? '99']
  const list: Array<[string, string]> = [grease as [string, string], ['Chromium', String(major)], brand]
  const orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]][major % 6] ?? [0, 1, 2]
  return orders.map((i) => list[i]!).map(([b, v]) => `"${b}";v="${v}"`).join(', ')
}

/**
 * Accept-Language as each engine formats the same OS preferences:
 * Chromium expands "it-IT" to "it-IT,it" with q stepping by 0.1;
 * Firefox spreads q evenly and rounds to one decimal; Safari and WebKit views
 * send the primary language only.
 */
export function acceptLanguage(family: BrowserFamily, webkit: boolean, langs: readonly string[]): string {
  const expanded: string[] = []
  for (const l of langs) {
    if (!expanded.includes(l)) expanded.push(l)
    const base = l.split('-')[0] ?? l
    if (base !== l && !expanded.includes(base) && !langs.includes(base)) expanded.push(base)
  }
  if (webkit || family === 'safari' || family === 'sfsvc' || family === 'wkwebview') {
    const first = expanded.slice(0, 2)
    return first.map((l, i) => (i === 0 ? l : `${l};q=0.9`)).join(',')
  }
  if (family === 'firefox') {
    const n = expanded.length
    return expanded.map((l, i) => (i === 0 ? l : `${l};q=${(Math.round((1 - i / n) * 10) / 10).toFixed(1)}`)).join(',')
  }
  return expanded.map((l, i) => (i === 0 ? l : `${l};q=${(Math.max(1, 10 - i) / 10).toFixed(1)}`)).join(',')
}

function iosUnderscore(token: string): string {
  return /OS ([\d_]+)/.exec(token)?.[1] ?? '18_6'
}

function apiLevel(v: string | undefined): number {
  return ({ '13': 33, '14': 34, '15': 35, '16': 36 } as Record<string, number>)[v ?? '14'] ?? 34
}
