import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/errors.js'
import { parseTrustedProxies } from '../../src/signals/trusted-proxies.js'

describe('parseTrustedProxies', () => {
  it('trusts nothing when unset or empty', () => {
    for (const spec of [undefined, '', '  ', ' , ,']) {
      const t = parseTrustedProxies(spec)
      expect(t.trustsNone).toBe(true)
      expect(t.isTrusted('127.0.0.1')).toBe(false)
      expect(t.isTrusted('10.0.0.1')).toBe(false)
    }
  })

  it('trusts every valid address with true or *', () => {
    for (const spec of ['true', 'TRUE', '*', '10.0.0.1, *']) {
      const t = parseTrustedProxies(spec)
      expect(t.trustsAll).toBe(true)
      expect(t.isTrusted('203.0.113.9')).toBe(true)
      expect(t.isTrusted('2001:db8::1')).toBe(true)
      expect(t.isTrusted('garbage')).toBe(false)
    }
  })

  it('reads addresses and CIDR ranges of both families', () => {
    const t = parseTrustedProxies('203.0.113.7, 198.51.100.0/24,2001:db8:abcd::/48 , 2001:db8::53')
    expect(t.entries).toEqual(['203.0.113.7', '198.51.100.0/24', '2001:db8:abcd::/48', '2001:db8::53'])
    expect(t.isTrusted('203.0.113.7')).toBe(true)
    expect(t.isTrusted('203.0.113.8')).toBe(false)
    expect(t.isTrusted('198.51.100.255')).toBe(true)
    expect(t.isTrusted('198.51.101.1')).toBe(false)
    expect(t.isTrusted('2001:db8:abcd:1::9')).toBe(true)
    expect(t.isTrusted('2001:DB8:ABCD:0:0:0:0:1')).toBe(true)
    expect(t.isTrusted('2001:db8:abce::1')).toBe(false)
    expect(t.isTrusted('2001:db8::53')).toBe(true)
  })

  it('matches IPv4-mapped IPv6 peers (dual-stack sockets) against IPv4 rules', () => {
    const t = parseTrustedProxies('10.1.0.0/16')
    expect(t.isTrusted('::ffff:10.1.2.3')).toBe(true)
    expect(t.isTrusted('::ffff:10.2.2.3')).toBe(false)
    // and repeated calls (memoised) keep answering the same
    expect(t.isTrusted('::ffff:10.1.2.3')).toBe(true)
  })

  it('knows the keywords', () => {
    const loopback = parseTrustedProxies('loopback')
    expect(loopback.isTrusted('127.0.0.1')).toBe(true)
    expect(loopback.isTrusted('127.9.9.9')).toBe(true)
    expect(loopback.isTrusted('::1')).toBe(true)
    expect(loopback.isTrusted('::ffff:127.0.0.1')).toBe(true)
    expect(loopback.isTrusted('10.0.0.1')).toBe(false)

    const priv = parseTrustedProxies('Private')
    for (const ip of ['10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', 'fd12::1', 'fc00::1', '169.254.1.1', 'fe80::1']) {
      expect(priv.isTrusted(ip), ip).toBe(true)
    }
    for (const ip of ['172.32.0.1', '8.8.8.8', '127.0.0.1', '2001:db8::1', '192.169.0.1']) {
      expect(priv.isTrusted(ip), ip).toBe(false)
    }
    expect(parseTrustedProxies('linklocal').isTrusted('fe80::abcd')).toBe(true)
    expect(parseTrustedProxies('uniquelocal').isTrusted('169.254.0.1')).toBe(false)
  })

  it('accepts IPv4-mapped ranges as their IPv4 range', () => {
    const t = parseTrustedProxies('::ffff:10.0.0.0/104')
    expect(t.entries).toEqual(['10.0.0.0/8'])
    expect(t.isTrusted('10.200.1.1')).toBe(true)
  })

  it('fails start-up on entries it cannot read, naming them', () => {
    for (const spec of ['10.0.0.0/33', '2001:db8::/129', 'proxy.example.com', '10.0.0.1/', '10.0.0.1/abc', '1', 'yes', '10.0.0.0/-1', '::ffff:10.0.0.0/95']) {
      expect(() => parseTrustedProxies(spec), spec).toThrow(AppError)
    }
    expect(() => parseTrustedProxies('loopback, nope')).toThrow(/TRUST_PROXY entry "nope"/)
  })

  it('refuses to trust garbage peers', () => {
    const t = parseTrustedProxies('0.0.0.0/0, ::/0')
    expect(t.isTrusted('1.2.3.4')).toBe(true)
    expect(t.isTrusted('')).toBe(false)
    expect(t.isTrusted('not an ip')).toBe(false)
    expect(t.isTrusted('1.2.3.4:80')).toBe(false)
  })
})
