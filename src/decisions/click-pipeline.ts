import type { IncomingHttpHeaders } from 'node:http'
import type { PrivacyMode } from '../config/config.js'
import { DEVICE_COOKIE, readCookie, type DeviceCookie } from '../identity/device-cookie.js'
import { legacyIdentity, type Identity } from '../identity/legacy-identity.js'
import { detectBot, type BotVerdict } from '../signals/bot-detector.js'
import { resolveClientIp } from '../signals/client-ip.js'
import type { IpHasher } from '../signals/ip-hasher.js'
import type { TrustedProxies } from '../signals/trusted-proxies.js'
import type { Link, NewClick } from '../storage/storage.js'

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
  clickCount(link: Link): number
  countClick(link: Link): void
}

export interface ClickContext {
  readonly input: ClickInput
  readonly link: Link
  clientIp: string
  ipHash: string
  prefixHash: string
  bot: BotVerdict
  userAgent: string | null
  referrerHost: string | null
  cookieAllowed: boolean
  identity: Identity | null
  setCookie: string | null
}

export type DropReason = 'link_expired' | 'link_exhausted'

/** A step may end the click's journey by returning why; otherwise it fills the context. */
export type ClickStep = (ctx: ClickContext, env: ClickEnvironment) => DropReason | void

export type ClickOutcome =
  | { readonly dropped: DropReason }
  | { readonly dropped: null; readonly click: NewClick; readonly status: number; readonly location: string; readonly setCookie: string | null; readonly bot: boolean }

const MAX_USER_AGENT = 512
const MAX_REFERRER = 2048

/** The steps a click goes through, in order; reading this list tells what happens to a click. */
export const CLICK_PIPELINE: ReadonlyArray<readonly [string, ClickStep]> = [
  ['check_expiry', (ctx) => (ctx.link.expiresAt !== null && ctx.input.ts >= ctx.link.expiresAt ? 'link_expired' : undefined)],
  ['resolve_client_ip', (ctx, env) => {
    ctx.clientIp = resolveClientIp(ctx.input.peerIp, ctx.input.headers, env.trustedProxies).ip
  }],
  ['detect_bot', (ctx) => {
    const ua = ctx.input.headers['user-agent']
    ctx.userAgent = ua === undefined ? null : ua.slice(0, MAX_USER_AGENT)
    ctx.bot = detectBot({ method: ctx.input.method, userAgent: ctx.userAgent ?? undefined, headers: ctx.input.headers })
  }],
  // Bots do not count against the limit, so a preview of an exhausted link still gets its 410 but a limit is never used up by crawlers.
  ['check_click_limit', (ctx, env) => (ctx.link.maxClicks !== null && env.clickCount(ctx.link) >= ctx.link.maxClicks ? 'link_exhausted' : undefined)],
  ['hash_address', (ctx, env) => {
    const hashes = env.ipHasher.hash(ctx.clientIp)
    ctx.ipHash = hashes.ipHash
    ctx.prefixHash = hashes.prefixHash
  }],
  ['read_referrer', (ctx) => {
    ctx.referrerHost = referrerHost(ctx.input.headers.referer)
  }],
  ['apply_privacy', (ctx, env) => {
    // Sec-GPC and DNT are the visitor saying no: the request is handled as strict whatever the server's mode.
    const h = ctx.input.headers
    ctx.cookieAllowed = env.privacyMode !== 'strict' && h['sec-gpc'] !== '1' && h.dnt !== '1' && !ctx.bot.bot
  }],
  ['resolve_identity', (ctx, env) => {
    if (ctx.bot.bot) return
    const cookieId = ctx.cookieAllowed ? env.deviceCookie.verify(readCookie(ctx.input.headers.cookie, DEVICE_COOKIE)) : null
    const newCookieId = ctx.cookieAllowed && cookieId === null ? env.deviceCookie.newId() : null
    ctx.identity = legacyIdentity({ cookieId, newCookieId, ipHash: ctx.ipHash, userAgent: ctx.userAgent ?? '' })
    if (ctx.cookieAllowed) ctx.setCookie = env.deviceCookie.header(ctx.identity.browserId, ctx.input.secure)
  }],
  ['count_click', (ctx, env) => {
    if (!ctx.bot.bot) env.countClick(ctx.link)
  }],
]

export function runClickPipeline(input: ClickInput, link: Link, env: ClickEnvironment): ClickOutcome {
  const ctx: ClickContext = {
    input, link, clientIp: input.peerIp, ipHash: '', prefixHash: '', bot: { bot: false, reason: null },
    userAgent: null, referrerHost: null, cookieAllowed: false, identity: null, setCookie: null,
  }
  for (const [, step] of CLICK_PIPELINE) {
    const dropped = step(ctx, env)
    if (dropped) return { dropped }
  }
  const identity = ctx.identity
  return {
    dropped: null,
    status: link.redirectStatus,
    location: link.url,
    setCookie: ctx.setCookie,
    bot: ctx.bot.bot,
    click: {
      link_id: link.id,
      ts: input.ts,
      ip_hash: ctx.ipHash,
      ip_prefix_hash: ctx.prefixHash,
      user_agent: ctx.userAgent,
      referrer_host: ctx.referrerHost,
      method: input.method,
      is_bot: ctx.bot.bot ? 1 : 0,
      bot_reason: ctx.bot.reason,
      browser_id: identity?.browserId ?? null,
      device_id: identity?.deviceId ?? null,
      confidence: identity?.confidence ?? null,
      identity_source: identity?.source ?? null,
      fingerprint_version: identity?.fingerprintVersion ?? null,
    },
  }
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
