import UAParser from 'ua-parser-js'
import type { HeaderRecord } from './header-record.js'
import { LruCache } from './lru-cache.js'

export type DeviceType = 'mobile' | 'tablet' | 'desktop' | 'smarttv' | 'console' | 'wearable' | 'embedded' | 'unknown'

/** The raw `Sec-CH-UA-*` header values, as sent. */
export interface ClientHints {
  readonly secChUa?: string
  readonly secChUaMobile?: string
  readonly secChUaPlatform?: string
  readonly secChUaPlatformVersion?: string
  readonly secChUaModel?: string
  readonly secChUaFullVersionList?: string
}

export type UserAgentNote =
  /** The UA was longer than MAX_USER_AGENT and was cut before parsing. */
  | 'ua_truncated'
  /** A hint longer than MAX_HINT was ignored. */
  | 'hint_oversized'
  /** A hint that is not a valid structured-field value was ignored. */
  | 'hint_invalid'

export interface UserAgentInfo {
  readonly browser: { readonly name: string | null; readonly version: string | null; readonly major: string | null }
  readonly engine: { readonly name: string | null; readonly version: string | null }
  readonly os: { readonly name: string | null; readonly version: string | null }
  readonly device: { readonly type: DeviceType; readonly vendor: string | null; readonly model: string | null }
  /** The app whose embedded browser made the request (Instagram, Facebook, TikTok, …), 'WebView' when only that is known. */
  readonly inApp: string | null
  /** True when a client hint changed or completed what the UA string said. */
  readonly fromHints: boolean
  readonly notes: readonly UserAgentNote[]
}

export interface UserAgentParserOptions {
  /** Injected so tests and the debug API can see it; 10 000 distinct UA+hint combinations by default. */
  readonly cache?: LruCache<string, UserAgentInfo>
}

/** Real UAs are under 300 characters; longer ones are padding or attacks on the parser's regexes. */
export const MAX_USER_AGENT = 512
/** A full-version list with GREASE is about 150 characters. */
export const MAX_HINT = 256

/** hintsKey() of an empty hint set. */
const NO_HINTS = '\u0000\u0000\u0000\u0000\u0000\u0000'

export const HINT_HEADERS = {
  secChUa: 'sec-ch-ua',
  secChUaMobile: 'sec-ch-ua-mobile',
  secChUaPlatform: 'sec-ch-ua-platform',
  secChUaPlatformVersion: 'sec-ch-ua-platform-version',
  secChUaModel: 'sec-ch-ua-model',
  secChUaFullVersionList: 'sec-ch-ua-full-version-list',
} as const satisfies Record<keyof ClientHints, string>

/** Picks the client-hint headers out of a request (only string values; a repeated hint is not one). */
export function clientHintsOf(headers: HeaderRecord): ClientHints {
  const hints: Record<string, string> = {}
  for (const key of Object.keys(HINT_HEADERS) as Array<keyof ClientHints>) {
    const value = headers[HINT_HEADERS[key]]
    if (typeof value === 'string') hints[key] = value
  }
  return hints
}

export type UserAgentParser = (userAgent: string | undefined, hints?: ClientHints) => UserAgentInfo

/**
 * Builds a UA parser with its own cache. ua-parser-js (v1, MIT — v2 is AGPL) costs
 * about 10 µs a call and real traffic repeats a few thousand UA strings, so a warm call
 * is one Map lookup. Results are frozen because they are shared between requests.
 */
export function createUserAgentParser(options: UserAgentParserOptions = {}): UserAgentParser {
  const cache = options.cache ?? new LruCache<string, UserAgentInfo>({ max: 10_000 })
  const parser = new UAParser()
  return (userAgent, hints) => {
    const ua = typeof userAgent === 'string' ? userAgent : ''
    const cut = ua.length > MAX_USER_AGENT ? ua.slice(0, MAX_USER_AGENT) : ua
    // No hints (Firefox, Safari) and an empty hint set share one entry.
    const extra = hints === undefined ? NO_HINTS : hintsKey(hints)
    const key = extra === NO_HINTS ? cut : cut + extra
    const hit = cache.get(key)
    if (hit !== undefined) return hit
    const info = deepFreeze(parse(parser, cut, hints, cut !== ua))
    cache.set(key, info)
    return info
  }
}

/** The process-wide parser, for callers that need no cache of their own. */
export const parseUserAgent: UserAgentParser = createUserAgentParser()

function hintsKey(h: ClientHints): string {
  // \u0000 cannot occur in a header value, so the key is unambiguous.
  return `\u0000${h.secChUa ?? ''}\u0000${h.secChUaMobile ?? ''}\u0000${h.secChUaPlatform ?? ''}\u0000${h.secChUaPlatformVersion ?? ''}\u0000${h.secChUaModel ?? ''}\u0000${h.secChUaFullVersionList ?? ''}`
}

interface Mutable {
  browser: { name: string | null; version: string | null; major: string | null }
  engine: { name: string | null; version: string | null }
  os: { name: string | null; version: string | null }
  device: { type: DeviceType; vendor: string | null; model: string | null }
  inApp: string | null
  fromHints: boolean
  notes: UserAgentNote[]
}

function parse(parser: UAParser, ua: string, hints: ClientHints | undefined, truncated: boolean): Mutable {
  const r = parser.setUA(ua).getResult()
  const info: Mutable = {
    browser: { name: r.browser.name ?? null, version: r.browser.version ?? null, major: r.browser.major ?? null },
    engine: { name: r.engine.name ?? null, version: r.engine.version ?? null },
    os: { name: r.os.name ?? null, version: r.os.version ?? null },
    device: { type: deviceType(r.device.type), vendor: r.device.vendor ?? null, model: r.device.model ?? null },
    inApp: inAppOf(ua, r.os.name),
    fromHints: false,
    notes: truncated ? ['ua_truncated'] : [],
  }
  if (hints !== undefined) applyHints(parser, info, hints)
  if (info.device.type === 'unknown' && info.os.name !== null && !MOBILE_OSES.has(info.os.name)) info.device.type = 'desktop'
  return info
}

const UA_DEVICE_TYPES: ReadonlySet<string> = new Set(['mobile', 'tablet', 'smarttv', 'console', 'wearable', 'embedded'])

function deviceType(type: string | undefined): DeviceType {
  return type !== undefined && UA_DEVICE_TYPES.has(type) ? (type as DeviceType) : 'unknown'
}

/** OSes whose devices are never desktops; anything else with a known OS and no device type is one. */
const MOBILE_OSES: ReadonlySet<string> = new Set(['Android', 'iOS', 'Windows Phone', 'Windows Mobile', 'BlackBerry', 'KaiOS', 'HarmonyOS', 'Tizen', 'webOS', 'Sailfish', 'Symbian', 'Firefox OS', 'PlayStation', 'Xbox', 'Nintendo', 'watchOS'])

/**
 * Markers in the UA that in-app browsers add, most specific first (Messenger's UA also
 * carries the Facebook markers). Matched case-sensitively: these are fixed tokens.
 */
const IN_APP_MARKERS: ReadonlyArray<readonly [string, string]> = [
  ['FBAN/Messenger', 'Messenger'],
  ['FB_IAB/MESSENGER', 'Messenger'],
  ['Instagram', 'Instagram'],
  ['Barcelona', 'Threads'],
  ['FBAN/', 'Facebook'],
  ['FBAV/', 'Facebook'],
  ['FB_IAB/', 'Facebook'],
  ['FBIOS', 'Facebook'],
  ['musical_ly', 'TikTok'],
  ['BytedanceWebview', 'TikTok'],
  ['TikTok', 'TikTok'],
  [' Line/', 'LINE'],
  ['Snapchat', 'Snapchat'],
  ['[Pinterest/', 'Pinterest'],
  ['LinkedInApp', 'LinkedIn'],
  ['MicroMessenger', 'WeChat'],
  ['KAKAOTALK', 'KakaoTalk'],
  ['TwitterAndroid', 'Twitter'],
  ['Twitter for iPhone', 'Twitter'],
  ['Telegram-Android', 'Telegram'],
  [' GSA/', 'Google App'],
  ['Reddit/', 'Reddit'],
]

function inAppOf(ua: string, os: string | undefined): string | null {
  for (const [marker, app] of IN_APP_MARKERS) if (ua.includes(marker)) return app
  if (os === 'Android' && ua.includes('; wv)')) return 'WebView'
  // iOS: WKWebView UAs lack the "Safari/" token every iOS browser (Safari, CriOS, FxiOS, EdgiOS) sends.
  if (os === 'iOS' && ua.includes(' Mobile/') && !ua.includes('Safari/')) return 'WebView'
  return null
}

/** Sec-CH-UA brand → the name ua-parser-js gives the same browser. */
const BRAND_NAMES: Readonly<Record<string, string>> = {
  'Google Chrome': 'Chrome',
  'Microsoft Edge': 'Edge',
  'Opera': 'Opera',
  'Opera GX': 'Opera GX',
  'Brave': 'Brave',
  'Vivaldi': 'Vivaldi',
  'YaBrowser': 'Yandex',
  'Yandex': 'Yandex',
  'Samsung Internet': 'Samsung Internet',
  'Chromium': 'Chromium',
  'HeadlessChrome': 'Chrome Headless',
  'Android WebView': 'Chrome WebView',
}

/** UA-derived names that a brand hint may make more precise (Brave, Vivaldi and others send a Chrome UA). */
const GENERIC_CHROMIUM: ReadonlySet<string> = new Set(['Chrome', 'Chromium', 'Chrome WebView'])

/** Sec-CH-UA-Platform → ua-parser-js OS names, so hinted and unhinted requests compare equal. */
const PLATFORM_NAMES: Readonly<Record<string, string>> = {
  'Windows': 'Windows',
  'macOS': 'Mac OS',
  'Linux': 'Linux',
  'Android': 'Android',
  'Chrome OS': 'Chromium OS',
  'Chromium OS': 'Chromium OS',
  'iOS': 'iOS',
  'Fuchsia': 'Fuchsia',
}

function applyHints(parser: UAParser, info: Mutable, hints: ClientHints): void {
  const brands = brandList(info, hints.secChUa)
  const fullVersions = brandList(info, hints.secChUaFullVersionList)
  const platform = sfString(info, hints.secChUaPlatform)
  const platformVersion = sfString(info, hints.secChUaPlatformVersion)
  const model = sfString(info, hints.secChUaModel)
  const mobile = sfBoolean(info, hints.secChUaMobile)
  const listed = fullVersions ?? brands

  // Browser: a specific brand beats a generic Chromium name from the (identical) UA.
  if (listed !== null) {
    const specific = listed.find((b) => b.brand !== 'Chromium') ?? listed.find((b) => b.brand === 'Chromium')
    if (specific !== undefined) {
      const hinted = BRAND_NAMES[specific.brand] ?? specific.brand
      if ((info.browser.name === null || GENERIC_CHROMIUM.has(info.browser.name)) && hinted !== info.browser.name) {
        info.browser.name = hinted
        info.fromHints = true
      }
    }
    // Version: the UA's is frozen at MAJOR.0.0.0; the full list has the real one.
    if (fullVersions !== null && info.browser.name !== null) {
      const same = fullVersions.find((b) => (BRAND_NAMES[b.brand] ?? b.brand) === info.browser.name)
      if (same !== undefined && isVersion(same.version) && same.version !== info.browser.version) {
        info.browser.version = same.version
        info.browser.major = same.version.split('.')[0]!
        info.fromHints = true
      }
      const chromium = fullVersions.find((b) => b.brand === 'Chromium')
      if (chromium !== undefined && info.engine.name === 'Blink' && isVersion(chromium.version) && chromium.version !== info.engine.version) {
        info.engine.version = chromium.version
        info.fromHints = true
      }
    }
  }

  // OS: the hint is not affected by "request desktop site" and carries the real version.
  if (platform !== null && platform !== '' && platform !== 'Unknown') {
    const name = PLATFORM_NAMES[platform] ?? platform
    if (name !== info.os.name) {
      info.os.name = name
      info.os.version = null
      info.fromHints = true
    }
    if (platformVersion !== null && isVersion(platformVersion)) {
      const version = osVersion(name, platformVersion)
      if (version !== null && version !== info.os.version) {
        info.os.version = version
        info.fromHints = true
      }
    }
  }

  if (mobile === true && info.device.type !== 'mobile') {
    info.device.type = 'mobile'
    info.fromHints = true
  }

  // Model: reduced Android UAs say "K"; the hint has the real one.
  if (model !== null && model !== '' && model.length <= 64 && model !== info.device.model) {
    info.device.model = model
    info.device.vendor = vendorOfModel(parser, model) ?? info.device.vendor
    info.fromHints = true
  }
}

/**
 * Windows reports the UniversalApiContract version: 13+ is Windows 11, 1–10 is Windows
 * 10, 0 is 7/8/8.1 (where the UA's NT version is already right). Others report their
 * marketing version; trailing ".0"s are trimmed to match ua-parser-js ("14.0.0" → "14").
 */
function osVersion(os: string, version: string): string | null {
  const major = Number(version.split('.')[0])
  if (os === 'Windows') {
    if (major >= 13) return '11'
    if (major >= 1) return '10'
    return null
  }
  let trimmed = version
  while (trimmed.endsWith('.0')) trimmed = trimmed.slice(0, -2)
  return trimmed
}

/** ua-parser-js knows vendors by model number (SM- is Samsung, Pixel is Google …); ask it with a synthetic UA. */
function vendorOfModel(parser: UAParser, model: string): string | null {
  if (/[;()]/.test(model)) return null
  const vendor = parser.setUA(`Mozilla/5.0 (Linux; Android 14; ${model}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36`).getDevice().vendor
  return vendor ?? null
}

function isVersion(text: string): boolean {
  if (text === '' || text.length > 32) return false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (!(c === 46 || (c >= 48 && c <= 57))) return false
  }
  return true
}

function note(info: Mutable, n: UserAgentNote): void {
  if (!info.notes.includes(n)) info.notes.push(n)
}

interface Brand {
  readonly brand: string
  readonly version: string
}

/**
 * An RFC 8941 list of strings with a `v` parameter: `"Chromium";v="124", "Not-A.Brand";v="99"`.
 * GREASE brands (made-up names Chromium adds so servers do not hard-code the list) are
 * dropped. Null when absent or invalid.
 */
function brandList(info: Mutable, value: string | undefined): Brand[] | null {
  if (value === undefined) return null
  if (value.length > MAX_HINT) {
    note(info, 'hint_oversized')
    return null
  }
  const brands: Brand[] = []
  let i = 0
  const n = value.length
  while (i < n) {
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++
    if (i >= n) break
    const brand = readSfString(value, i)
    if (brand === null) return invalid(info)
    i = brand.end
    let version = ''
    while (i < n && value[i] === ';') {
      i++
      const eq = value.indexOf('=', i)
      if (eq === -1) return invalid(info)
      const key = value.slice(i, eq).trim()
      const param = readSfString(value, eq + 1)
      if (param === null) return invalid(info)
      if (key === 'v') version = param.text
      i = param.end
    }
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++
    if (i < n) {
      if (value[i] !== ',') return invalid(info)
      i++
    }
    if (!isGrease(brand.text) && brands.length < 10) brands.push({ brand: brand.text, version })
  }
  return brands
}

function invalid(info: Mutable): null {
  note(info, 'hint_invalid')
  return null
}

function isGrease(brand: string): boolean {
  // "Not-A.Brand", "Not A(Brand", "Not)A;Brand", ";Not A Brand": letters spell notabrand.
  let letters = ''
  for (const ch of brand.toLowerCase()) if (ch >= 'a' && ch <= 'z') letters += ch
  return letters === 'notabrand'
}

function readSfString(value: string, start: number): { text: string; end: number } | null {
  let i = start
  if (value[i] !== '"') return null
  i++
  let text = ''
  while (i < value.length) {
    const c = value[i]!
    if (c === '"') return { text, end: i + 1 }
    if (c === '\\') {
      i++
      if (i >= value.length) return null
    }
    const code = value.charCodeAt(i)
    if (code < 0x20 || code > 0x7e) return null
    text += value[i]
    i++
  }
  return null
}

/** A bare sf-string hint (`"Windows"`); null when absent or invalid. */
function sfString(info: Mutable, value: string | undefined): string | null {
  if (value === undefined) return null
  if (value.length > MAX_HINT) {
    note(info, 'hint_oversized')
    return null
  }
  const trimmed = value.trim()
  const parsed = readSfString(trimmed, 0)
  if (parsed === null || parsed.end !== trimmed.length) return invalid(info)
  return parsed.text
}

function sfBoolean(info: Mutable, value: string | undefined): boolean | null {
  if (value === undefined) return null
  const trimmed = value.trim()
  if (trimmed === '?1') return true
  if (trimmed === '?0') return false
  return invalid(info)
}

function deepFreeze<T extends object>(value: T): T {
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key]
    if (child !== null && typeof child === 'object') deepFreeze(child)
  }
  return Object.freeze(value)
}
