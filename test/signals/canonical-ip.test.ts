import { isIP } from 'node:net'
import { describe, expect, it } from 'vitest'
import { canonicalIp, parseIp } from '../../src/signals/canonical-ip.js'

describe('canonicalIp', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:1.2.3.4', '1.2.3.4'],
    ['0:0:0:0:0:ffff:1.2.3.4', '1.2.3.4'],
    ['::ffff:102:304', '1.2.3.4'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['fe80::1%eth0', 'fe80::1'],
    ['fe80::1%25', 'fe80::1'],
    ['::1.2.3.4', '::102:304'],
    ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalIp(input)).toBe(expected)
  })

  it.each([
    '', ' 1.2.3.4', '1.2.3.4 ', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.04', '1..2.3',
    '[::1]', '1.2.3.4:80', ':::', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', 'g::1', ':1', '1:',
    '::ffff:1.2.3', '1:2:3:4:5:6:7:1.2.3.4', 'fe80::1%', 'fe80::1%eth 0', 'fe80::1%eth0/1', 'unknown',
    'x'.repeat(1000), '1:2:3:4:5:6:7::8',
  ])('refuses %j', (input) => {
    expect(parseIp(input)).toBeNull()
  })

  it('reports the family and the IPv6 groups', () => {
    expect(parseIp('1.2.3.4')).toEqual({ family: 4, address: '1.2.3.4', groups: null })
    const v6 = parseIp('2001:db8::8:9')
    expect(v6?.family).toBe(6)
    expect([...(v6?.groups ?? [])]).toEqual([0x2001, 0xdb8, 0, 0, 0, 0, 8, 9])
  })

  it('agrees with node:net on validity and with the WHATWG URL parser on the IPv6 text (random inputs)', () => {
    let seed = 42
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
    const alphabet = '0123456789abcdefABCDEF:.'
    let valid = 0
    for (let n = 0; n < 20_000; n++) {
      let text = ''
      const length = 1 + Math.floor(random() * 24)
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)]
      const ours = parseIp(text)
      expect(ours !== null, text).toBe(isIP(text) !== 0)
      if (ours?.family === 6) {
        valid++
        expect(ours.address, text).toBe(new URL(`http://[${text}]/`).hostname.slice(1, -1))
      }
    }
    // Structured inputs too, so the oracle sees many valid addresses.
    for (let n = 0; n < 5_000; n++) {
      const groups = Array.from({ length: 8 }, () => (random() < 0.5 ? 0 : Math.floor(random() * 0x10000)).toString(16))
      const full = groups.join(':')
      const ours = parseIp(full)
      expect(ours, full).not.toBeNull()
      if (ours?.family === 6) expect(ours.address, full).toBe(new URL(`http://[${full}]/`).hostname.slice(1, -1))
      valid++
    }
    expect(valid).toBeGreaterThan(5_000)
  })
})
