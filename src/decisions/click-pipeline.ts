import { hash } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import type { PrivacyMode } from '../config/config.js'
import { DEVICE_COOKIE, readCookie, type DeviceCookie } from '../identity/device-cookie.js'
import type { IdentityDecision, IdentityEngine } from '../identity/identity-engine.js'
import type { IdentitySignals } from '../identity/identity-signals.js'
import { parseAcceptLanguage } from '../signals/accept-language.js'
import { botVerdict, detectBot, type BotVerdict } from '../signals/bot-detector.js'
import { resolveClientIp } from '../signals/client-ip.js'
import type { GeoResolver } from '../signals/geo/geo-resolver.js'
import type { GeoResult } from '../signals/geo/geo-result.js'
import type { IpHasher } from '../signals/ip-hasher.js'
import { parseTimezone } from '../signals/timezone.js'
import type { TrustedProxies } from '../signals/trusted-proxies.js'
import { clientHintsOf, parseUserAgent, type ClientHints, type UserAgentInfo } from '../signals/user-agent.js'
import type { ClickRecord, FingerprintingAlgorithm, Link } from '../storage/storage.js'
import type { FingerprintEntity } from '../identity/fingerprint-entity.js'
import type { StateEdge } from '../identity/identity-state.js'
import { clickRecordOf } from './click-record.js'
import type { ScannerDetector, TrackedClick } from './scanner-detector.js'
import { resolveIdentity } from './resolve-identity.js'

/** A click as the transport saw it: the HTTP server, or a replayed event. */
export interface ClickInput {
  readonly ts: number
  readonly method: string
  /** The TCP peer; forwarding headers only count when this is a trusted proxy. */
  readonly peerIp: string
  readonly headers: IncomingHttpHeaders
  readonly secure: boolean
}

/** What the steps need from the running service, passed in so the pipeline stays pure. */
export interface ClickEnvironment {
  readonly ipHasher: IpHasher
  readonly deviceCookie: DeviceCookie
  readonly trustedProxies: TrustedProxies
  readonly privacyMode: PrivacyMode
  readonly identity: IdentityEngine
  readonly geo: GeoResolver | null
  /** Which algorithm's ids the click reports (the stored click always carries both). */
  algorithm(): FingerprintingAlgorithm
  clickCount(link: Link): number
  countClick(link: Link): void
  /** Email security scanners and time-of-click checks, judged by their networks' behaviour; absent: not judged. */
  readonly scanners?: ScannerDetector
  /** Takes back a human click counted earlier on this link (it was a scanner after all). */
  uncountClick?(linkId: number): void
  /**
   * True while the fingerprint migration job rebuilds the engine's history: live clicks
   * are then stored with their signals and resolved by the job, in id order, after the
   * history they follow (jobs/fingerprint-migration.ts). Absent: never deferred.
   */
  deferIdentity?(): boolean
}

/** Why a signal was ignored or downgraded; stored with the click and shown by the debug API. */
export type SignalRejection = { readonly signal: string; readonly reason: string }

export interface ClickContext {
  readonly input: ClickInput
  readonly link: Link
  clientIp: string
  peerTrusted: boolean
  ipHash: string
  prefixHash: string
  bot: BotVerdict
  userAgent: string | null
  referrerHost: string | null
  /** The privacy mode this request is handled under (DNT/Sec-GPC downgrade it to strict). */
  mode: PrivacyMode
  ua: UserAgentInfo | null
  /** The request's client hints, as read for the UA (the click's stored signals carry them too). */
  hints: ClientHints | null
  language: string | null
  languageRegion: string | null
  timezone: string | null
  sdkDevice: string | null
  sdkBrowser: string | null
  geo: GeoResult | null
  cookieId: string | null
  newCookieId: string | null
  identity: IdentityDecision | null
  /** The storage context whose stored rows this click writes (new, or placed anew); see resolve-identity.ts. */
  storedEntity: FingerprintEntity | null
  /** Its merge evidence, stored with it (identity-state.ts edgesOf). */
  storedEdges: readonly StateEdge[]
  legacyId: string | null
  setCookie: string | null
  rejected: SignalRejection[]
  /** This click as the scanner detector remembers it (null when it was not judged there). */
  scanner: TrackedClick | null
  /** Earlier clicks this one revealed as scanners: the caller stores them as bots. */
  reclassified: readonly TrackedClick[]
}

export type DropReason = 'link_expired' | 'link_exhausted'

/** A step may end the click's journey by returning why; otherwise it fills the context. */
export type ClickStep = (ctx: ClickContext, env: ClickEnvironment) => DropReason | void

export type ClickOutcome =
  | { readonly dropped: DropReason; readonly reclassified: readonly TrackedClick[] }
  | {
      readonly dropped: null
      readonly reclassified: readonly TrackedClick[]
      readonly record: ClickRecord
      readonly context: ClickContext
      readonly status: number
      readonly location: string
      readonly setCookie: string | null
      readonly bot: boolean
    }

const MAX_USER_AGENT = 512
const MAX_REFERRER = 2048
const MAX_ACCEPT = 256
/** SDK hashes are hex or base64url digests; anything else is not from our SDK. */
const SDK_HASH = /^[A-Za-z0-9_+/=-]{8,128}$/
const DAY = 86_400_000
const NO_CLICKS: readonly TrackedClick[] = Object.freeze([])
const NO_EDGES: readonly StateEdge[] = Object.freeze([])

/** The steps a click goes through, in order; reading this list tells what happens to a click. */
export const CLICK_PIPELINE: ReadonlyArray<readonly [string, ClickStep]> = [
  ['check_expiry', (ctx) => (ctx.link.expiresAt !== null && ctx.input.ts >= ctx.link.expiresAt ? 'link_expired' : undefined)],
  ['resolve_client_ip', (ctx, env) => {
    const client = resolveClientIp(ctx.input.peerIp, ctx.input.headers, env.trustedProxies)
    ctx.clientIp = client.ip
    ctx.peerTrusted = env.trustedProxies.isTrusted(ctx.input.peerIp)
    for (const r of client.rejected) ctx.rejected.push({ signal: r.header, reason: r.reason })
  }],
  ['detect_bot', (ctx) => {
    const ua = ctx.input.headers['user-agent']
    ctx.userAgent = ua === undefined ? null : ua.slice(0, MAX_USER_AGENT)
    ctx.bot = detectBot({ method: ctx.input.method, userAgent: ctx.userAgent ?? undefined, headers: ctx.input.headers })
  }],
  ['apply_privacy', (ctx, env) => {
    // Sec-GPC and DNT are the visitor saying no: the request is handled as strict whatever the server's mode.
    const h = ctx.input.headers
    ctx.mode = h['sec-gpc'] === '1' || h.dnt === '1' ? 'strict' : env.privacyMode
  }],
  ['hash_address', (ctx, env) => {
    const hashes = env.ipHasher.hash(ctx.clientIp || ctx.input.peerIp)
    // Strict mode: hashes change every UTC day, as cookieless analytics' salts do, so no visitor is followed across days.
    const day = ctx.mode === 'strict' ? `:${Math.floor(ctx.input.ts / DAY)}` : ''
    ctx.ipHash = day ? rehash(hashes.ipHash + day) : hashes.ipHash
    ctx.prefixHash = day ? rehash(hashes.prefixHash + day) : hashes.prefixHash
  }],
  ['read_referrer', (ctx) => {
    ctx.referrerHost = referrerHost(ctx.input.headers.referer)
  }],
  ['read_user_agent', (ctx) => {
    if (ctx.bot.bot) return
    ctx.hints = clientHintsOf(ctx.input.headers)
    ctx.ua = parseUserAgent(ctx.userAgent ?? '', ctx.hints)
    const languages = parseAcceptLanguage(ctx.input.headers['accept-language'])
    ctx.language = languages.language
    ctx.languageRegion = languages.region
    for (const r of languages.rejected) ctx.rejected.push({ signal: 'accept-language', reason: r.reason })
  }],
  ['read_client_fingerprint', (ctx) => {
    if (ctx.bot.bot) return
    const h = ctx.input.headers
    const tz = parseTimezone(single(h['x-timezone']))
    if (tz.reason && tz.reason !== 'missing') ctx.rejected.push({ signal: 'x-timezone', reason: tz.reason })
    ctx.timezone = tz.timezone
    for (const [name, field] of [['x-device-fingerprint', 'sdkDevice'], ['x-browser-fingerprint', 'sdkBrowser']] as const) {
      const value = single(h[name])
      if (value === undefined) continue
      if (ctx.mode !== 'full') ctx.rejected.push({ signal: name, reason: `privacy_${ctx.mode}` })
      else if (!SDK_HASH.test(value)) ctx.rejected.push({ signal: name, reason: value.length > 128 ? 'oversized' : 'malformed' })
      else ctx[field] = value
    }
  }],
  ['locate', (ctx, env) => {
    if (ctx.bot.bot || !env.geo || !ctx.clientIp) return
    ctx.geo = env.geo.resolve({ ip: ctx.clientIp, prefixHash: ctx.prefixHash, headers: ctx.input.headers, peerTrusted: ctx.peerTrusted, languageRegion: ctx.languageRegion, timezone: ctx.timezone })
  }],
  ['read_cookie', (ctx, env) => {
    if (ctx.bot.bot || ctx.mode === 'strict') return
    const raw = readCookie(ctx.input.headers.cookie, DEVICE_COOKIE)
    ctx.cookieId = env.deviceCookie.verify(raw)
    if (raw !== undefined && ctx.cookieId === null) ctx.rejected.push({ signal: DEVICE_COOKIE, reason: 'invalid_signature' })
    if (ctx.cookieId === null) ctx.newCookieId = env.deviceCookie.newId(ctx.input.ts)
    ctx.setCookie = ctx.cookieId !== null ? env.deviceCookie.signedHeader(raw!, ctx.input.secure) : env.deviceCookie.header(ctx.newCookieId!, ctx.input.secure)
  }],
  ['detect_scanner', (ctx, env) => {
    // Email gateways and time-of-click checks pass for browsers one request at a time; their networks give them away.
    // Human evidence is what a scanner never has: a cookie it kept, or headers from our script it ran.
    if (ctx.bot.bot || !env.scanners || ctx.mode === 'strict') return
    const decision = env.scanners.observe({
      ts: ctx.input.ts, linkId: ctx.link.id, network: ctx.prefixHash, address: ctx.ipHash, clientIp: ctx.clientIp, method: ctx.input.method,
      userAgent: ctx.userAgent, humanEvidence: ctx.cookieId !== null || ctx.sdkDevice !== null || ctx.sdkBrowser !== null,
      os: ctx.ua?.os.name ?? null, cookieId: ctx.cookieId, issuedCookieId: ctx.newCookieId,
    })
    ctx.scanner = decision.click
    if (decision.reason) {
      ctx.bot = botVerdict(decision.reason)
      ctx.setCookie = null
      ctx.newCookieId = null
    }
    // Taken back now, so that the limit below (this request's) sees the corrected count.
    for (const c of decision.reclassified) {
      if (!c.counted) continue
      c.counted = false
      env.uncountClick?.(c.linkId)
    }
    ctx.reclassified = decision.reclassified
  }],
  // Bots do not count against the limit: a preview of an exhausted link gets its 410, but crawlers never use a limit up.
  ['check_click_limit', (ctx, env) => (ctx.link.maxClicks !== null && env.clickCount(ctx.link) >= ctx.link.maxClicks ? 'link_exhausted' : undefined)],
  ['resolve_identity', (ctx, env) => {
    if (ctx.bot.bot || !ctx.ua) return
    // The legacy algorithm (seed 002's "before"): the cookie, else address and user agent.
    ctx.legacyId = ctx.cookieId ?? ctx.newCookieId ?? rehash(`${ctx.ipHash}\u0000${ctx.userAgent ?? ''}`)
    if (env.deferIdentity?.()) return
    const resolved = resolveIdentity(env.identity, identitySignals(ctx))
    ctx.identity = resolved.decision
    ctx.storedEntity = resolved.stored
    ctx.storedEdges = resolved.edges
  }],
  ['count_click', (ctx, env) => {
    if (ctx.bot.bot) return
    env.countClick(ctx.link)
    if (ctx.scanner) ctx.scanner.counted = true
  }],
]

export function identitySignals(ctx: ClickContext): IdentitySignals {
  return {
    ts: ctx.input.ts,
    linkId: ctx.link.id,
    ipHash: ctx.ipHash,
    prefixHash: ctx.prefixHash,
    cookieId: ctx.cookieId,
    newCookieId: ctx.newCookieId,
    sdkDevice: ctx.sdkDevice,
    sdkBrowser: ctx.sdkBrowser,
    timezone: ctx.timezone,
    ua: ctx.ua!,
    userAgent: ctx.userAgent ?? '',
    language: ctx.language,
    accept: single(ctx.input.headers.accept)?.slice(0, MAX_ACCEPT) ?? null,
    geo: ctx.geo,
  }
}

export function runClickPipeline(input: ClickInput, link: Link, env: ClickEnvironment): ClickOutcome {
  const ctx: ClickContext = {
    input, link, clientIp: input.peerIp, peerTrusted: false, ipHash: '', prefixHash: '', bot: { bot: false, reason: null },
    userAgent: null, referrerHost: null, mode: env.privacyMode, ua: null, hints: null, language: null, languageRegion: null, timezone: null,
    sdkDevice: null, sdkBrowser: null, geo: null, cookieId: null, newCookieId: null, identity: null, storedEntity: null, storedEdges: NO_EDGES, legacyId: null, setCookie: null, rejected: [],
    scanner: null, reclassified: NO_CLICKS,
  }
  for (const [, step] of CLICK_PIPELINE) {
    const dropped = step(ctx, env)
    if (dropped) return { dropped, reclassified: ctx.reclassified }
  }
  return {
    dropped: null,
    reclassified: ctx.reclassified,
    record: clickRecordOf(ctx, env.algorithm()),
    context: ctx,
    status: link.redirectStatus,
    location: link.url,
    setCookie: ctx.setCookie,
    bot: ctx.bot.bot,
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function rehash(value: string): string {
  return hash('sha256', value, 'base64url').slice(0, 22)
}

function referrerHost(referer: string | undefined): string | null {
  if (!referer || referer.length > MAX_REFERRER) return null
  try {
    const url = new URL(referer)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.hostname.toLowerCase() : null
  } catch {
    return null
  }
}
