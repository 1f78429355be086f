import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hashIp, ipPrefix } from '../../src/signals/ip-hash.js'

const key = Buffer.from('0123456789abcdef0123456789abcdef')

describe('ipPrefix', () => {
  it.each([
    ['93.45.12.7', '93.45.12.0/24'],
    ['0.0.0.0', '0.0.0.0/24'],
    ['::ffff:93.45.12.7', '93.45.12.0/24'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:0DB8:0000:0000:1234::1', '2001:db8:0:0::/64'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
  ])('%s → %s', (ip, prefix) => {
    expect(ipPrefix(ip)).toBe(prefix)
  })
})

describe('hashIp', () => {
  it('is a keyed, truncated HMAC of the canonical address and prefix', () => {
    const h = hashIp('93.45.12.7', key)
    expect(h.ipHash).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(h.ipHash).toBe(createHmac('sha256', key).update('93.45.12.7').digest('base64url').slice(0, 22))
    expect(h.prefixHash).toBe(createHmac('sha256', key).update('93.45.12.0/24').digest('base64url').slice(0, 22))
    expect(h.ipHash).not.toBe(h.prefixHash)
  })

  it('depends on the key', () => {
    expect(hashIp('93.45.12.7', key).ipHash).not.toBe(hashIp('93.45.12.7', 'another key').ipHash)
    expect(hashIp('93.45.12.7', 'k')).toEqual(hashIp('93.45.12.7', Buffer.from('k')))
  })

  it('gives one hash per address whatever its spelling', () => {
    expect(hashIp('::ffff:93.45.12.7', key)).toEqual(hashIp('93.45.12.7', key))
    expect(hashIp('::FFFF:93.45.12.7', key)).toEqual(hashIp('93.45.12.7', key))
    const v6 = hashIp('2001:db8::1', key)
    for (const spelling of ['2001:DB8::1', '2001:db8:0:0:0:0:0:1', '2001:0db8::0001', '2001:db8:0::1', '2001:db8::1%eth0']) {
      expect(hashIp(spelling, key), spelling).toEqual(v6)
    }
    expect(hashIp('fe80::1%eth0', key)).toEqual(hashIp('fe80::1', key))
  })

  it('same /24 → same prefixHash, different ipHash', () => {
    const a = hashIp('93.45.12.7', key)
    const b = hashIp('93.45.12.250', key)
    expect(a.prefixHash).toBe(b.prefixHash)
    expect(a.ipHash).not.toBe(b.ipHash)
    expect(hashIp('93.45.13.7', key).prefixHash).not.toBe(a.prefixHash)
  })

  it('same /64 → same prefixHash (privacy addresses rotate inside it)', () => {
    const a = hashIp('2a01:4f8:c17:1a2b:1111:2222:3333:4444', key)
    const b = hashIp('2a01:4f8:c17:1a2b:aaaa:bbbb:cccc:dddd', key)
    const c = hashIp('2A01:04F8:0C17:1A2B::1', key)
    expect(a.prefixHash).toBe(b.prefixHash)
    expect(c.prefixHash).toBe(a.prefixHash)
    expect(a.ipHash).not.toBe(b.ipHash)
    expect(hashIp('2a01:4f8:c17:1a2c::1', key).prefixHash).not.toBe(a.prefixHash)
  })

  it('does not lump every IPv4-mapped address into one prefix (the bug this file had)', () => {
    expect(hashIp('::ffff:93.45.12.7', key).prefixHash).not.toBe(hashIp('::ffff:151.38.1.1', key).prefixHash)
  })

  it('keeps IPv4 and IPv6 prefixes apart', () => {
    expect(hashIp('0.0.0.1', key).prefixHash).not.toBe(hashIp('::1', key).prefixHash)
  })

  it('hashes non-addresses as given instead of throwing', () => {
    const h = hashIp('not-an-ip', key)
    expect(h.ipHash).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(hashIp('', key).ipHash).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })
})
