import { parseIp } from './canonical-ip.js'
import type { HeaderRecord } from './header-record.js'
import type { TrustedProxies } from './trusted-proxies.js'

/**
 * Forwarding headers in the order seed 002 gives them (its list, then the rest of the
 * usual platform headers). The first one that yields an address wins.
 *
 * Order is not provenance: a trusted proxy that passes headers through unchanged lets a
 * client supply any of these. Deployments behind one known platform should narrow the
 * list with `options.headers` to the header that platform sets.
 */
export const FORWARDING_HEADERS = [
  'x-vercel-forwarded-for',
  'x-forwarded-for',
  'x-real-ip',
  'cf-connecting-ip',
  'true-client-ip',
  'fastly-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'forwarded',
  'fly-client-ip',
  'do-connecting-ip',
  'x-appengine-user-ip',
] as const

export type ForwardingHeader = (typeof FORWARDING_HEADERS)[number]

export type ClientIpRejectionReason =
  /** The peer is not in TRUST_PROXY, so anything it says about the client is unproven. */
  | 'untrusted_peer'
  /** Longer than MAX_HEADER: no real proxy chain is; parsing it would be the attack. */
  | 'oversized'
  /** An entry that is not an address (garbage, `unknown`, an obfuscated Forwarded node). */
  | 'invalid_address'
  /** Present but empty. */
  | 'empty'

export interface ClientIpRejection {
  /** A forwarding header name, or `peer` when the socket address itself was unusable. */
  readonly header: string
  readonly reason: ClientIpRejectionReason
}

export interface ClientIp {
  /** Canonical address (IPv4-mapped IPv6 as IPv4); '' only when even the peer address is unusable. */
  readonly ip: string
  readonly source: 'peer' | ForwardingHeader
  /** What was ignored and why; also lists a problem found beyond the entry used in the winning header. */
  readonly rejected: readonly ClientIpRejection[]
}

export interface ResolveClientIpOptions {
  /** Headers to consult, in priority order; FORWARDING_HEADERS by default. */
  readonly headers?: readonly ForwardingHeader[]
}

/** 1 KiB holds a chain of 20+ IPv6 hops; anything longer is not a proxy chain. */
export const MAX_FORWARDING_HEADER = 1024

const NONE: readonly ClientIpRejection[] = Object.freeze([])

/**
 * Who the client is: the TCP peer, unless the peer is a trusted proxy, in which case the
 * forwarding headers are read in priority order. A list (`X-Forwarded-For: client,
 * proxy1, proxy2`) is walked from the right — the end our own proxies wrote — skipping
 * trusted hops; the first untrusted hop is the client, since everything to its left was
 * written by the client or its own proxies and can be forged. If every hop is trusted
 * the leftmost is taken.
 *
 * Never throws; every ignored header is reported with a reason from a fixed set.
 */
export function resolveClientIp(
  peer: string,
  headers: HeaderRecord,
  trusted: TrustedProxies,
  options?: ResolveClientIpOptions,
): ClientIp {
  const order = options?.headers ?? FORWARDING_HEADERS
  const peerParsed = parseIp(peer)
  const peerIp = peerParsed?.address ?? ''
  let rejected: ClientIpRejection[] | undefined

  if (peerParsed === null || !trusted.isTrusted(peerIp)) {
    if (peerParsed === null) rejected = [{ header: 'peer', reason: 'invalid_address' }]
    // Still looked at, so forged headers show up in the debug view and metrics.
    for (const name of order) {
      if (headers[name] !== undefined) (rejected ??= []).push({ header: name, reason: 'untrusted_peer' })
    }
    return { ip: peerIp, source: 'peer', rejected: rejected ?? NONE }
  }

  for (const name of order) {
    const raw = headers[name]
    if (raw === undefined) continue
    // Repeated list headers are one list (RFC 9110 §5.3); Node already joins most of them.
    const value = typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.join(',') : null
    if (value === null) {
      // Not text at all (a replayed event's JSON can hold anything).
      ;(rejected ??= []).push({ header: name, reason: 'invalid_address' })
      continue
    }
    if (value.length > MAX_FORWARDING_HEADER) {
      ;(rejected ??= []).push({ header: name, reason: 'oversized' })
      continue
    }
    const walk = name === 'forwarded' ? walkForwarded(value, trusted) : walkList(value, trusted)
    if (walk.problem !== null) (rejected ??= []).push({ header: name, reason: walk.problem })
    if (walk.ip !== null) return { ip: walk.ip, source: name, rejected: rejected ?? NONE }
  }
  return { ip: peerIp, source: 'peer', rejected: rejected ?? NONE }
}

interface Walk {
  ip: string | null
  problem: ClientIpRejectionReason | null
}

/**
 * Walks a comma-separated address list from the right. Stops at the first untrusted
 * hop (the client). An invalid entry ends the walk: what lies beyond it cannot be
 * placed in the chain, so the leftmost valid hop seen so far is the best answer; if
 * nothing valid was seen the header yields nothing.
 */
function walkList(value: string, trusted: TrustedProxies): Walk {
  let end = value.length
  let last: string | null = null
  let sawEntry = false
  while (end >= 0) {
    const comma = end === 0 ? -1 : value.lastIndexOf(',', end - 1)
    const entry = trimmed(value, comma + 1, end)
    end = comma
    if (entry === '') {
      if (comma === -1) break
      continue // empty list elements are allowed by the list syntax
    }
    sawEntry = true
    const ip = addressOfEntry(entry)
    if (ip === null) return { ip: last, problem: 'invalid_address' }
    if (!trusted.isTrusted(ip)) return { ip, problem: null }
    last = ip
    if (comma === -1) break
  }
  return { ip: last, problem: sawEntry ? null : 'empty' }
}

/** RFC 7239: `Forwarded: for=192.0.2.60;proto=http, for="[2001:db8::17]:4711"`; only `for` matters here. */
function walkForwarded(value: string, trusted: TrustedProxies): Walk {
  const fors = forwardedForValues(value)
  if (fors === null) return { ip: null, problem: 'invalid_address' }
  if (fors.length === 0) return { ip: null, problem: 'empty' }
  let last: string | null = null
  for (let i = fors.length - 1; i >= 0; i--) {
    const ip = addressOfEntry(fors[i]!)
    if (ip === null) return { ip: last, problem: 'invalid_address' }
    if (!trusted.isTrusted(ip)) return { ip, problem: null }
    last = ip
  }
  return { ip: last, problem: null }
}

/**
 * The `for` value of each element, quotes removed ('' when an element has none, which
 * then reads as an invalid hop). Null on a syntax error such as an unterminated quote.
 * One pass over at most 1 KiB, no regex.
 */
function forwardedForValues(value: string): string[] | null {
  const out: string[] = []
  let current = '' // the for= value of the element being read
  let i = 0
  const n = value.length
  let sawElement = false
  while (i <= n) {
    // skip OWS and a pair separator
    while (i < n && (value.charCodeAt(i) === 32 || value.charCodeAt(i) === 9 || value.charCodeAt(i) === 59)) i++
    if (i >= n || value.charCodeAt(i) === 44 /* , */) {
      if (sawElement) out.push(current)
      current = ''
      sawElement = false
      if (i >= n) break
      i++
      continue
    }
    // name
    const nameStart = i
    while (i < n && value.charCodeAt(i) !== 61 /* = */ && value.charCodeAt(i) !== 59 && value.charCodeAt(i) !== 44) i++
    if (i >= n || value.charCodeAt(i) !== 61) return null
    const name = value.slice(nameStart, i).trim().toLowerCase()
    i++
    // value: token or quoted-string
    let pairValue: string
    if (value.charCodeAt(i) === 34 /* " */) {
      i++
      let text = ''
      for (;;) {
        if (i >= n) return null
        const c = value.charCodeAt(i)
        if (c === 34) break
        if (c === 92 /* \ */) {
          i++
          if (i >= n) return null
        }
        text += value[i]
        i++
      }
      i++
      pairValue = text
    } else {
      const start = i
      while (i < n && value.charCodeAt(i) !== 59 && value.charCodeAt(i) !== 44) i++
      pairValue = value.slice(start, i).trim()
    }
    sawElement = true
    if (name === 'for') current = pairValue
  }
  return out
}

/** value[start, end) without surrounding spaces/tabs. */
function trimmed(value: string, start: number, end: number): string {
  while (start < end && (value.charCodeAt(start) === 32 || value.charCodeAt(start) === 9)) start++
  while (end > start && (value.charCodeAt(end - 1) === 32 || value.charCodeAt(end - 1) === 9)) end--
  return value.slice(start, end)
}

/**
 * One list entry to a canonical address: strips quotes, `[v6]:port`, `[v6]`, `v4:port`;
 * drops a zone id. Null for anything else (`unknown`, `_hidden`, hostnames, garbage).
 */
function addressOfEntry(entry: string): string | null {
  let text = entry
  if (text.length >= 2 && text.charCodeAt(0) === 34 && text.charCodeAt(text.length - 1) === 34) text = text.slice(1, -1)
  if (text.charCodeAt(0) === 91 /* [ */) {
    const close = text.indexOf(']')
    if (close === -1) return null
    if (close !== text.length - 1 && !isPort(text, close + 1)) return null
    return parseIp(text.slice(1, close))?.address ?? null
  }
  const colon = text.indexOf(':')
  if (colon !== -1 && text.indexOf(':', colon + 1) === -1) {
    // Exactly one colon: IPv4 with a port (an IPv6 address has at least two).
    if (!isPort(text, colon)) return null
    text = text.slice(0, colon)
  }
  return parseIp(text)?.address ?? null
}

/** text[at] is ':' followed by 1–5 digits to the end. */
function isPort(text: string, at: number): boolean {
  if (text.charCodeAt(at) !== 58) return false
  const digits = text.length - at - 1
  if (digits < 1 || digits > 5) return false
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}
