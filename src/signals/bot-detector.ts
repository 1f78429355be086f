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
]

/**
 * App names that appear both in preview fetchers ("WhatsApp/2.23.20.0 A"; Signal
 * borrows that UA) and inside real in-app browser UAs. Only a UA that is not a browser
 * ("Mozilla/…") counts as the fetcher.
 */
const APP_PREVIEW_TOKENS: readonly string[] = ['whatsapp', 'viber', 'signal', 'threema', 'wire/']

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
 * browser then uses is a real visit) and email link scanners that pose as browsers
 * (nothing in the request tells them apart; the decision stage's timing rules may).
 */
export function createBotDetector(options: BotDetectorOptions = {}): BotDetector {
  const cache = options.cache ?? new LruCache<string, BotVerdict>({ max: 10_000 })
  return ({ method, userAgent, headers }) => {
    if (method === 'HEAD' || method === 'head') return VERDICTS.head_request
    if (typeof userAgent !== 'string' || isBlank(userAgent)) return VERDICTS.missing_user_agent
    if (headers !== undefined && isPreviewPurpose(headers)) return VERDICTS.link_preview
    const ua = userAgent.length > MAX_USER_AGENT ? userAgent.slice(0, MAX_USER_AGENT) : userAgent
    const hit = cache.get(ua)
    if (hit !== undefined) return hit
    const result = classify(ua)
    cache.set(ua, result)
    return result
  }
}

/** The process-wide detector. */
export const detectBot: BotDetector = createBotDetector()

function classify(ua: string): BotVerdict {
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
