import { createHmac } from 'node:crypto'
import { parseIp } from './canonical-ip.js'

export interface IpHashes {
  /** Keyed hash of the full address. */
  readonly ipHash: string
  /** Keyed hash of the network prefix (/24 for IPv4, /64 for IPv6): survives privacy-address rotation. */
  readonly prefixHash: string
}

/**
 * Raw addresses are never stored: only HMACs under a server key, so a leaked database
 * cannot be reversed by enumerating the 2^32 IPv4 space without the key.
 *
 * The address is canonicalised first: `::ffff:1.2.3.4` (a dual-stack socket) and
 * `1.2.3.4`, or `2001:DB8::1` and `2001:db8:0:0::1`, are one address and must hash the
 * same, or one visitor becomes two. Text that is not an address is hashed as given
 * (it cannot collide with a real address, and the caller has already logged why).
 */
export function hashIp(ip: string, key: string | Buffer): IpHashes {
  const parsed = parseIp(ip)
  const address = parsed?.address ?? ip
  return {
    ipHash: hmac(key, address),
    prefixHash: hmac(key, prefixOf(parsed, ip)),
  }
}

/** The network prefix as text: `1.2.3.0/24`, `2001:db8:0:0::/64` (groups unabbreviated so the form is fixed). */
export function ipPrefix(ip: string): string {
  return prefixOf(parseIp(ip), ip)
}

function prefixOf(parsed: ReturnType<typeof parseIp>, raw: string): string {
  if (parsed === null) return raw
  if (parsed.groups === null) {
    const last = parsed.address.lastIndexOf('.')
    return `${parsed.address.slice(0, last)}.0/24`
  }
  const g = parsed.groups
  return `${g[0]!.toString(16)}:${g[1]!.toString(16)}:${g[2]!.toString(16)}:${g[3]!.toString(16)}::/64`
}

function hmac(key: string | Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url').slice(0, 22)
}
