import type { HeaderRecord } from './header-record.js'
import type { TrustedProxies } from './trusted-proxies.js'

/** Longest host a request may name: a DNS name's 253 characters and a port. */
export const MAX_HOST = 260
const HOST_PATTERN = /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/

/**
 * The host a request was sent to, lower-case, without a trailing dot: `X-Forwarded-Host`
 * when the peer is a trusted proxy (TRUST_PROXY, as for the client's address: anyone else
 * could name any host), else `Host`. Null when it is missing or not a host at all.
 */
export function requestHost(peerIp: string, headers: HeaderRecord, trustedProxies: TrustedProxies): string | null {
  const forwarded = headers['x-forwarded-host']
  const fromProxy = typeof forwarded === 'string' && forwarded !== '' && !trustedProxies.trustsNone && trustedProxies.isTrusted(peerIp)
  // A proxy chain appends: the first value is the host the client asked for.
  const raw = fromProxy ? forwarded.split(',')[0]!.trim() : headers.host
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_HOST) return null
  const host = raw.toLowerCase().replace(/\.(?=:\d+$|$)/, '')
  return HOST_PATTERN.test(host) ? host : null
}
