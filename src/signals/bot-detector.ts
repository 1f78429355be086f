import { isbot } from 'isbot'
import type { HeaderRecord } from './header-record.js'
import { LruCache } from './lru-cache.js'

export type BotReason =
  /** HEAD is what link checkers and previewers send; a person's click is a GET. */
  | 'head_request'
  /** A known crawler or automated client (isbot's list). */
  | 'user_agent'
  /** A chat or social app fetching the link to draw its preview card. */
  | 'link_preview'
  /** No User-Agent at all: every browser sends one. */
  | 'missing_user_agent'
  /** A vulnerability or port scanner. */
  | 'scanner'
  /**
   * The UA claims a browser but the request lacks what that browser sends with every
   * navigation (see `headerMismatch`): a script or scraper borrowing a browser's UA.
   */
  | 'header_mismatch'
  /**
   * Decided later, by the decision stage (src/decisions/scanner-detector.ts), from how the
   * network behaves: many cookieless fetches of one link within seconds (an email security
   * gateway scanning every recipient's copy), a network known for that, or a fetch that
   * came a second before another network's click on the same link (a time-of-click check).
   */
  | 'scanner_burst'
  | 'scanner_network'
  | 'time_of_click'

export interface BotVerdict {
  readonly bot: boolean
  readonly reason: BotReason | null
}

export interface BotInput {
  readonly method: string
  readonly userAgent: string | null | undefined
  readonly headers?: HeaderRecord
}

export interface BotDetectorOptions {
  /** Verdict per UA string; 10 000 entries by default. */
  readonly cache?: LruCache<string, BotVerdict>
}

export type BotDetector = (input: BotInput) => BotVerdict

const verdict = (reason: BotReason | null): BotVerdict => Object.freeze({ bot: reason !== null, reason })
/** Shared, frozen verdicts: a call allocates nothing. */
const HUMAN = verdict(null)
const VERDICTS: Readonly<Record<BotReason, BotVerdict>> = {
  head_request: verdict('head_request'),
  user_agent: verdict('user_agent'),
  link_preview: verdict('link_preview'),
  missing_user_agent: verdict('missing_user_agent'),
  scanner: verdict('scanner'),
  header_mismatch: verdict('header_mismatch'),
  scanner_burst: verdict('scanner_burst'),
  scanner_network: verdict('scanner_network'),
  time_of_click: verdict('time_of_click'),
}

/** The frozen verdict for a reason (the decision stage flags clicks with these). */
export function botVerdict(reason: BotReason): BotVerdict {
  return VERDICTS[reason]
}

/** Same bound as the UA parser: the verdict of a longer UA is the verdict of its start. */
const MAX_USER_AGENT = 512

/**
 * Preview fetchers, lower case. Listed even where isbot also matches them so that the
 * reason says "link_preview": a preview is a sign the link was shared, worth counting
 * apart from crawlers. iMessage announces itself as
 * "… Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0".
 */
const LINK_PREVIEW_TOKENS: readonly string[] = [
  'facebookexternalhit', 'facebot', 'twitterbot', 'slackbot', 'slack-imgproxy', 'telegrambot',
  'discordbot', 'linkedinbot', 'skypeuripreview', 'microsoftpreview', 'applebot',
  'google-pagerenderer', 'pinterestbot', 'pinterest/0.', 'redditbot', 'embedly', 'vkshare',
  'iframely', 'mastodon/', 'cardyb', 'snap url preview', 'line-poker', 'kakaotalk-scrap',
  'bitlybot', 'tumblr/', 'flipboardproxy', 'quora link preview', 'outbrain', 'yahoo ad monitoring',
  'zoombot', 'chatwork', 'mattermost-bot', 'rocket.chat', 'bingpreview', 'teamsbot',
  // Office apps check a link before handing it to the browser (Microsoft, "How documents are
  // opened from a Web site in Office", KB 899927: "Microsoft Office Existence Discovery",
  // "Microsoft Office Protocol Discovery", and "ms-office" in the UA of the app's own fetches).
  'ms-office', 'microsoft office',
]

/**
 * App names that appear both in preview fetchers ("WhatsApp/2.23.20.0 A"; Signal
 * borrows that UA) and inside real in-app browser UAs. Only a UA that is not a browser
 * ("Mozilla/…") counts as the fetcher.
 */
const APP_PREVIEW_TOKENS: readonly string[] = ['whatsapp', 'viber', 'signal', 'threema', 'wire/']

/**
 * Preview fetchers that borrow a whole browser UA, frozen years ago: Discord crawls with
 * Discordbot, then fetches again as Firefox 92 on macOS 11.6 or Firefox 38 on OS X 10.10
 * ("when we proxy images we are acting in response to a user loading that image": Discord
 * staff on discord/discord-api-docs #1600; #3872; embed services special-case both
 * strings). Matched whole: Firefox updates itself every four weeks, so no person's
 * browser still sends either, and the same version on another OS is left alone.
 */
const FROZEN_PREVIEW_UAS: ReadonlySet<string> = new Set([
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 11.6; rv:92.0) Gecko/20100101 Firefox/92.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.10; rv:38.0) Gecko/20100101 Firefox/38.0',
])

/** Security scanners, lower case; a scan of a short link is not a visit. */
const SCANNER_TOKENS: readonly string[] = [
  'sqlmap', 'nikto', 'nmap', 'masscan', 'zgrab', 'nuclei', 'wpscan', 'dirbuster', 'gobuster',
  'feroxbuster', 'fuzz faster u fool', 'ffuf', 'wfuzz', 'acunetix', 'nessus', 'openvas',
  'netsparker', 'burp', 'arachni', 'skipfish', 'w3af', 'whatweb', 'zmeu', 'jorgee', 'morfeus',
  'censysinspect', 'expanse, a palo alto', 'l9explore', 'l9tcpid', 'leakix', 'internetmeasurement',
  'modatscanner', 'netcraftsurvey', 'qualys', 'interactsh', 'hydra', 'nimbostratus', 'odin.io',
]

/**
 * Bot classification per request. The UA part is cached per UA string: isbot's single
 * big regex is ~microseconds and real traffic repeats a few thousand UAs.
 *
 * Not classified as bots, on purpose: `Sec-Purpose: prefetch` (a prefetch that the
 * browser then uses is a real visit) and email link scanners that pose as browsers with
 * a complete header set (nothing in one request tells them apart; the decision stage's
 * scanner detector judges them by how their network behaves).
 *
 * The header check runs after the cached UA verdict and only for UAs that pass it; it
 * reads a handful of headers and allocates nothing.
 */
export function createBotDetector(options: BotDetectorOptions = {}): BotDetector {
  const cache = options.cache ?? new LruCache<string, BotVerdict>({ max: 10_000 })
  return ({ method, userAgent, headers }) => {
    if (method === 'HEAD' || method === 'head') return VERDICTS.head_request
    if (typeof userAgent !== 'string' || isBlank(userAgent)) return VERDICTS.missing_user_agent
    if (headers !== undefined && isPreviewPurpose(headers)) return VERDICTS.link_preview
    const ua = userAgent.length > MAX_USER_AGENT ? userAgent.slice(0, MAX_USER_AGENT) : userAgent
    let result = cache.get(ua)
    if (result === undefined) {
      result = classify(ua)
      cache.set(ua, result)
    }
    if (result === HUMAN && headers !== undefined && headerMismatch(ua, headers)) return VERDICTS.header_mismatch
    return result
  }
}

/** The process-wide detector. */
export const detectBot: BotDetector = createBotDetector()

function classify(ua: string): BotVerdict {
  if (FROZEN_PREVIEW_UAS.has(ua)) return VERDICTS.link_preview
  const lower = ua.toLowerCase()
  for (const token of LINK_PREVIEW_TOKENS) if (lower.includes(token)) return VERDICTS.link_preview
  if (!lower.startsWith('mozilla/')) {
    for (const token of APP_PREVIEW_TOKENS) if (lower.includes(token)) return VERDICTS.link_preview
  }
  for (const token of SCANNER_TOKENS) if (lower.includes(token)) return VERDICTS.scanner
  return isbot(ua) ? VERDICTS.user_agent : HUMAN
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c !== 32 && c !== 9) return false
  }
  return true
}

/** Safari's Top Sites thumbnails and some previewers say what they are doing. */
function isPreviewPurpose(headers: HeaderRecord): boolean {
  const purpose = headers['x-purpose'] ?? headers['purpose']
  return typeof purpose === 'string' && purpose.toLowerCase() === 'preview'
}

/**
 * Chromium sends the low-entropy User-Agent Client Hints (`Sec-CH-UA`, `-Mobile`,
 * `-Platform`) with every request to a secure origin since Chrome 89 (Chrome Platform
 * Status, "User-Agent Client Hints", shipped in M89; RFC 8942 / WICG UA-CH), and Fetch
 * Metadata (`Sec-Fetch-*`) since Chrome 76, also to secure origins only. A request that
 * carries `Sec-Fetch-Mode` (so the origin is secure and the client speaks Fetch Metadata)
 * under a Chromium ≥ 90 UA but has no `Sec-CH-UA` did not come from that browser: it is
 * a header set copied onto an HTTP client. Android WebView and WebView-based browsers
 * (`; wv)`, `Version/4.0 Chrome/`) got the hints later and are left out, as is Electron.
 */
const CHROMIUM_WITH_HINTS = 90

/**
 * Every browser sends an `Accept` naming text/html and an `Accept-Language` with a
 * top-level navigation (Chromium, Firefox and WebKit alike, MDN "Accept default values").
 * An `Accept` of just the any-type wildcard with no language, under a browser UA, is an
 * HTTP library wearing a browser's name. Each check needs two facts from the request, never an absence alone:
 * a request without headers (a unit test, a bare probe) is not judged here.
 */
function headerMismatch(ua: string, headers: HeaderRecord): boolean {
  if (!ua.startsWith('Mozilla/')) return false
  const accept = headers['accept']
  if (accept === '*/*' && headers['accept-language'] === undefined) return true
  if (typeof headers['sec-fetch-mode'] === 'string' && headers['sec-ch-ua'] === undefined) {
    const at = ua.indexOf(' Chrome/')
    if (at === -1) return false
    let major = 0
    for (let i = at + 8, digits = 0; i < ua.length && digits < 4; i++, digits++) {
      const c = ua.charCodeAt(i)
      if (c < 48 || c > 57) break
      major = major * 10 + (c - 48)
    }
    if (major < CHROMIUM_WITH_HINTS) return false
    if (ua.includes('; wv)') || ua.includes('Version/4.0 Chrome/') || ua.includes('Electron/')) return false
    return true
  }
  return false
}
