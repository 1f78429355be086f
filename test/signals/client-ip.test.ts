import { describe, expect, it } from 'vitest'
import { FORWARDING_HEADERS, MAX_FORWARDING_HEADER, resolveClientIp } from '../../src/signals/client-ip.js'
import { parseTrustedProxies } from '../../src/signals/trusted-proxies.js'

const none = parseTrustedProxies(undefined)
const proxies = parseTrustedProxies('10.0.0.0/8, 2001:db8:ffff::/48')
const all = parseTrustedProxies('true')

describe('resolveClientIp', () => {
  describe('without a trusted peer', () => {
    it('is the peer, canonicalised', () => {
      expect(resolveClientIp('203.0.113.5', {}, none)).toEqual({ ip: '203.0.113.5', source: 'peer', rejected: [] })
      expect(resolveClientIp('::ffff:203.0.113.5', {}, none).ip).toBe('203.0.113.5')
      expect(resolveClientIp('2001:0DB8::0001', {}, none).ip).toBe('2001:db8::1')
      expect(resolveClientIp('fe80::1%eth0', {}, none).ip).toBe('fe80::1')
    })

    it('ignores forged forwarding headers and says so for each', () => {
      const headers = {
        'x-forwarded-for': '1.1.1.1',
        'x-real-ip': '2.2.2.2',
        'x-vercel-forwarded-for': '3.3.3.3',
        'cf-connecting-ip': '4.4.4.4',
        forwarded: 'for=5.5.5.5',
        'user-agent': 'x',
      }
      const result = resolveClientIp('203.0.113.5', headers, proxies)
      expect(result.ip).toBe('203.0.113.5')
      expect(result.source).toBe('peer')
      expect(result.rejected).toEqual([
        { header: 'x-vercel-forwarded-for', reason: 'untrusted_peer' },
        { header: 'x-forwarded-for', reason: 'untrusted_peer' },
        { header: 'x-real-ip', reason: 'untrusted_peer' },
        { header: 'cf-connecting-ip', reason: 'untrusted_peer' },
        { header: 'forwarded', reason: 'untrusted_peer' },
      ])
    })

    it('reports an unusable peer and returns no address rather than a guess', () => {
      const result = resolveClientIp('', { 'x-forwarded-for': '1.1.1.1' }, all)
      expect(result.ip).toBe('')
      expect(result.rejected).toEqual([
        { header: 'peer', reason: 'invalid_address' },
        { header: 'x-forwarded-for', reason: 'untrusted_peer' },
      ])
    })
  })

  describe('behind a trusted proxy', () => {
    it('takes X-Forwarded-For, walking from the right past trusted hops', () => {
      const result = resolveClientIp('10.0.0.1', { 'x-forwarded-for': '198.51.100.1, 203.0.113.9, 10.0.0.7, 10.0.0.8' }, proxies)
      expect(result).toEqual({ ip: '203.0.113.9', source: 'x-forwarded-for', rejected: [] })
    })

    it('does not let a client-supplied leftmost entry win', () => {
      // The client sent "X-Forwarded-For: 6.6.6.6"; our proxy appended the real address.
      expect(resolveClientIp('10.0.0.1', { 'x-forwarded-for': '6.6.6.6, 203.0.113.9' }, proxies).ip).toBe('203.0.113.9')
    })

    it('takes the leftmost when every hop is trusted', () => {
      expect(resolveClientIp('10.0.0.1', { 'x-forwarded-for': '10.1.1.1, 10.2.2.2' }, proxies).ip).toBe('10.1.1.1')
      expect(resolveClientIp('203.0.113.1', { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' }, all).ip).toBe('198.51.100.1')
    })

    it('honours the seed priority order', () => {
      const headers = {
        'x-real-ip': '198.51.100.3',
        'x-forwarded-for': '198.51.100.2',
        'x-vercel-forwarded-for': '198.51.100.1',
        'cf-connecting-ip': '198.51.100.4',
      }
      expect(resolveClientIp('10.0.0.1', headers, proxies)).toMatchObject({ ip: '198.51.100.1', source: 'x-vercel-forwarded-for' })
      const { 'x-vercel-forwarded-for': _v, ...rest } = headers
      expect(resolveClientIp('10.0.0.1', rest, proxies)).toMatchObject({ ip: '198.51.100.2', source: 'x-forwarded-for' })
      const { 'x-forwarded-for': _x, ...rest2 } = rest
      expect(resolveClientIp('10.0.0.1', rest2, proxies)).toMatchObject({ ip: '198.51.100.3', source: 'x-real-ip' })
      expect(FORWARDING_HEADERS.slice(0, 9)).toEqual([
        'x-vercel-forwarded-for', 'x-forwarded-for', 'x-real-ip', 'cf-connecting-ip', 'true-client-ip',
        'fastly-client-ip', 'x-client-ip', 'x-cluster-client-ip', 'forwarded',
      ])
    })

    it.each([
      ['true-client-ip', '198.51.100.10'],
      ['fastly-client-ip', '198.51.100.11'],
      ['x-client-ip', '198.51.100.12'],
      ['x-cluster-client-ip', '198.51.100.13'],
      ['fly-client-ip', '198.51.100.14'],
      ['do-connecting-ip', '198.51.100.15'],
      ['x-appengine-user-ip', '198.51.100.16'],
    ])('reads %s', (header, ip) => {
      expect(resolveClientIp('10.0.0.1', { [header]: ip }, proxies)).toMatchObject({ ip, source: header })
    })

    it('can be narrowed to the headers the platform really sets', () => {
      const headers = { 'x-vercel-forwarded-for': '6.6.6.6', 'cf-connecting-ip': '198.51.100.4' }
      expect(resolveClientIp('10.0.0.1', headers, proxies, { headers: ['cf-connecting-ip'] }).ip).toBe('198.51.100.4')
    })

    it('normalises entries: mapped IPv6, brackets, ports, zones, case, quotes, spaces', () => {
      const cases: Array<[string, string]> = [
        ['::ffff:198.51.100.1', '198.51.100.1'],
        ['198.51.100.1:52344', '198.51.100.1'],
        ['[2001:DB8::1]:443', '2001:db8::1'],
        ['[2001:db8::1]', '2001:db8::1'],
        ['fe80::1%en0', 'fe80::1'],
        ['"198.51.100.1"', '198.51.100.1'],
        ['\t 198.51.100.1 \t', '198.51.100.1'],
        ['2001:0db8:0000::0001', '2001:db8::1'],
      ]
      for (const [entry, expected] of cases) {
        expect(resolveClientIp('10.0.0.1', { 'x-forwarded-for': entry }, proxies).ip, entry).toBe(expected)
      }
    })

    it('treats a mapped trusted hop as trusted', () => {
      expect(resolveClientIp('::ffff:10.0.0.1', { 'x-forwarded-for': '198.51.100.1, ::ffff:10.9.9.9' }, proxies).ip).toBe('198.51.100.1')
    })

    it('skips empty list elements', () => {
      expect(resolveClientIp('10.0.0.1', { 'x-forwarded-for': ',198.51.100.1,, 10.0.0.5,' }, proxies).ip).toBe('198.51.100.1')
    })

    it('joins repeated headers into one list', () => {
      expect(resolveClientIp('10.0.0.1', { 'x-forwarded-for': ['198.51.100.1', '10.0.0.2'] }, proxies).ip).toBe('198.51.100.1')
    })

    it('stops at an invalid entry and keeps the leftmost valid hop seen', () => {
      const result = resolveClientIp('10.0.0.1', { 'x-forwarded-for': 'garbage, 10.0.0.9' }, proxies)
      expect(result).toEqual({ ip: '10.0.0.9', source: 'x-forwarded-for', rejected: [{ header: 'x-forwarded-for', reason: 'invalid_address' }] })
    })

    it('rejects a header whose nearest entry is invalid and falls back to the next header', () => {
      const result = resolveClientIp('10.0.0.1', { 'x-forwarded-for': '198.51.100.1, unknown', 'x-real-ip': '198.51.100.2' }, proxies)
      expect(result).toEqual({ ip: '198.51.100.2', source: 'x-real-ip', rejected: [{ header: 'x-forwarded-for', reason: 'invalid_address' }] })
    })

    it.each([
      ['hostname', 'proxy.example.com'],
      ['unknown', 'unknown'],
      ['v4 with bad port', '198.51.100.1:99999x'],
      ['v4 with empty port', '198.51.100.1:'],
      ['unclosed bracket', '[2001:db8::1'],
      ['junk after bracket', '[2001:db8::1]x'],
      ['script', '<script>alert(1)</script>'],
      ['leading-zero octet', '010.1.1.1'],
      ['NUL', '198.51.100.1\u0000'],
      ['unicode digits', '١٩٨.٥١.١٠٠.١'],
    ])('rejects garbage (%s) with a reason and falls back to the peer', (_name, value) => {
      const result = resolveClientIp('10.0.0.1', { 'x-forwarded-for': value }, proxies)
      expect(result).toEqual({ ip: '10.0.0.1', source: 'peer', rejected: [{ header: 'x-forwarded-for', reason: 'invalid_address' }] })
    })

    it('rejects empty headers', () => {
      expect(resolveClientIp('10.0.0.1', { 'x-forwarded-for': '', 'x-real-ip': ' , ' }, proxies)).toEqual({
        ip: '10.0.0.1',
        source: 'peer',
        rejected: [
          { header: 'x-forwarded-for', reason: 'empty' },
          { header: 'x-real-ip', reason: 'empty' },
        ],
      })
    })

    it('rejects oversized headers (10 KB) without parsing them', () => {
      const huge = Array.from({ length: 700 }, (_, i) => `198.51.${i % 250}.${i % 200}`).join(', ')
      expect(huge.length).toBeGreaterThan(10_000)
      const result = resolveClientIp('10.0.0.1', { 'x-forwarded-for': huge, 'x-real-ip': '198.51.100.2' }, proxies)
      expect(result).toEqual({ ip: '198.51.100.2', source: 'x-real-ip', rejected: [{ header: 'x-forwarded-for', reason: 'oversized' }] })
      // just under the limit is still read
      const fits = `${'10.0.0.1,'.repeat(Math.floor((MAX_FORWARDING_HEADER - 20) / 9))}198.51.100.3`
      expect(fits.length).toBeLessThanOrEqual(MAX_FORWARDING_HEADER)
      expect(resolveClientIp('10.0.0.1', { 'x-forwarded-for': fits }, proxies).ip).toBe('198.51.100.3')
    })

    it('survives pathological inputs', () => {
      const inputs = [':'.repeat(1000), '['.repeat(1000), ','.repeat(1000), '"'.repeat(1000), '1.'.repeat(500), 'for='.repeat(250), ';'.repeat(1000)]
      for (const value of inputs) {
        for (const header of ['x-forwarded-for', 'forwarded']) {
          const result = resolveClientIp('10.0.0.1', { [header]: value }, proxies)
          expect(result.ip).toBe('10.0.0.1')
        }
      }
    })

    describe('RFC 7239 Forwarded', () => {
      it('reads for= values, quoted IPv6 with port, walking from the right', () => {
        const value = 'for=198.51.100.17;proto=https;by=10.0.0.1, for="[2001:db8:cafe::17]:4711", For=10.0.0.3;host=example.com'
        expect(resolveClientIp('10.0.0.1', { forwarded: value }, proxies)).toEqual({ ip: '2001:db8:cafe::17', source: 'forwarded', rejected: [] })
      })

      it('handles quoted strings with separators and escapes', () => {
        const value = 'for="198.51.100.1";host="a,b;c\\"d", for=10.0.0.2'
        expect(resolveClientIp('10.0.0.1', { forwarded: value }, proxies).ip).toBe('198.51.100.1')
      })

      it('treats obfuscated and unknown nodes and missing for= as invalid hops', () => {
        for (const value of ['for=_hidden', 'for=unknown', 'proto=https', 'for="_gazonk"']) {
          expect(resolveClientIp('10.0.0.1', { forwarded: value }, proxies).rejected, value).toEqual([{ header: 'forwarded', reason: 'invalid_address' }])
        }
        // a client-written obfuscated entry beyond the real client does not matter
        expect(resolveClientIp('10.0.0.1', { forwarded: 'for=_hidden, for=198.51.100.1' }, proxies).ip).toBe('198.51.100.1')
      })

      it('rejects syntax errors', () => {
        for (const value of ['for="198.51.100.1', 'for', 'for=1.2.3.4;x', '=']) {
          expect(resolveClientIp('10.0.0.1', { forwarded: value }, proxies), value).toEqual({
            ip: '10.0.0.1',
            source: 'peer',
            rejected: [{ header: 'forwarded', reason: 'invalid_address' }],
          })
        }
      })
    })
  })

  it('returns a shared empty rejection list (no allocation on the common path)', () => {
    const a = resolveClientIp('203.0.113.5', {}, none)
    const b = resolveClientIp('203.0.113.6', {}, none)
    expect(a.rejected).toBe(b.rejected)
    expect(Object.isFrozen(a.rejected)).toBe(true)
  })
})
