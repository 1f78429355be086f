import { BlockList } from 'node:net'
import { AppError } from '../errors.js'
import { parseIp } from './canonical-ip.js'

/** Which TCP peers may tell us who the client is (through forwarding headers). */
export interface TrustedProxies {
  /** `TRUST_PROXY=true` or `*`: every peer is believed. */
  readonly trustsAll: boolean
  /** Nothing configured: forwarding headers are never believed. */
  readonly trustsNone: boolean
  /** The entries as understood, for start-up logs and the debug API. */
  readonly entries: readonly string[]
  isTrusted(ip: string): boolean
}

/**
 * Named ranges, the same words proxy-addr (Express) uses where they overlap, so an
 * operator's existing setting reads the same here.
 */
const KEYWORDS: Readonly<Record<string, ReadonlyArray<readonly [string, number]>>> = {
  loopback: [['127.0.0.0', 8], ['::1', 128]],
  linklocal: [['169.254.0.0', 16], ['fe80::', 10]],
  uniquelocal: [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['fc00::', 7]],
  // RFC 1918 + unique-local + link-local: a proxy in the same private network.
  private: [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['fc00::', 7], ['169.254.0.0', 16], ['fe80::', 10]],
}

/** Trusted peers are few (the proxies), so remembering them keeps the per-request check a Set lookup. */
const MEMO_MAX = 256

/**
 * Reads `TRUST_PROXY`: comma-separated addresses and CIDR ranges (IPv4 and IPv6) and the
 * keywords `loopback`, `private`, `linklocal`, `uniquelocal`; `true` or `*` trusts every
 * peer; empty trusts none.
 *
 * `true`/`*` is dangerous anywhere but behind a proxy that cannot be bypassed: any
 * client that reaches the server directly can then choose its own address by sending
 * `X-Forwarded-For`, and so choose its identity and its geo.
 *
 * A bad entry fails start-up (like every other setting, see config.ts) rather than
 * silently trusting less or more than the operator meant.
 */
export function parseTrustedProxies(spec: string | undefined): TrustedProxies {
  const blockList = new BlockList()
  const entries: string[] = []
  let trustsAll = false
  for (const raw of (spec ?? '').split(',')) {
    const item = raw.trim()
    if (item === '') continue
    const word = item.toLowerCase()
    if (word === 'true' || word === '*') {
      trustsAll = true
      entries.push('*')
      continue
    }
    const ranges = KEYWORDS[word]
    if (ranges) {
      for (const [address, prefix] of ranges) addSubnet(blockList, address, prefix)
      entries.push(word)
      continue
    }
    entries.push(addEntry(blockList, item))
  }
  if (trustsAll) return { trustsAll: true, trustsNone: false, entries, isTrusted: (ip) => parseIp(ip) !== null }
  if (entries.length === 0) return { trustsAll: false, trustsNone: true, entries, isTrusted: () => false }

  const memo = new Set<string>()
  return {
    trustsAll: false,
    trustsNone: false,
    entries,
    isTrusted(ip: string): boolean {
      if (memo.has(ip)) return true
      const parsed = parseIp(ip)
      if (parsed === null) return false
      // BlockList.check costs about a microsecond (it builds a SocketAddress). Only
      // trusted answers are remembered: they are the few proxy addresses, whereas
      // remembering untrusted ones would keep raw client addresses in memory.
      const trusted = blockList.check(parsed.address, parsed.family === 4 ? 'ipv4' : 'ipv6')
      if (trusted) {
        if (memo.size >= MEMO_MAX) memo.clear()
        memo.add(ip)
      }
      return trusted
    },
  }
}

function addEntry(blockList: BlockList, item: string): string {
  const slash = item.indexOf('/')
  const parsed = parseIp(slash === -1 ? item : item.slice(0, slash))
  if (parsed === null) throw invalid(item, 'not an IP address, CIDR range or keyword')
  if (slash === -1) {
    blockList.addAddress(parsed.address, parsed.family === 4 ? 'ipv4' : 'ipv6')
    return parsed.address
  }
  const prefixText = item.slice(slash + 1)
  let prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN
  // An IPv4-mapped range (::ffff:10.0.0.0/104) is an IPv4 range once the address is mapped back.
  const mapped = parsed.family === 4 && item.includes(':')
  if (mapped) prefix -= 96
  const max = parsed.family === 4 ? 32 : 128
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw invalid(item, `prefix length must be 0-${max}${mapped ? ' (after the ::ffff:0:0/96 mapping)' : ''}`)
  addSubnet(blockList, parsed.address, prefix)
  return `${parsed.address}/${prefix}`
}

function addSubnet(blockList: BlockList, address: string, prefix: number): void {
  blockList.addSubnet(address, prefix, address.includes(':') ? 'ipv6' : 'ipv4')
}

function invalid(item: string, why: string): AppError {
  return new AppError('VALIDATION_FAILED', `TRUST_PROXY entry "${item.slice(0, 100)}" is not valid: ${why}`)
}
