import { describe, expect, it } from 'vitest'
import { DeviceCookie } from '../../src/identity/device-cookie.js'
import type { PlainRequest } from '../../src/sessions/plain-request.js'
import { VisitorIdentifier } from '../../src/sessions/visitor-identifier.js'

const FP = 'a3f9c2e18b7d4f60a3f9c2e18b7d4f60'
const BFP = 'b'.repeat(32)
const cookie = new DeviceCookie(Buffer.alloc(32, 1))
const allowAll = () => ({ cookies: true, fingerprints: true })
const networkOf = (ip: string) => `net(${ip})`

function identifier(privacy = allowAll, withCookie = true) {
  return new VisitorIdentifier({ deviceCookie: withCookie ? cookie : null, privacy, networkOf })
}
const req = (headers: Record<string, string | string[]>, ip = '203.0.113.9'): PlainRequest => ({ method: 'GET', headers, ip })

describe('visitor identity tiers (seed 000)', () => {
  it('tier 2: a valid X-Device-Fingerprint is the identity as it is, nothing generated', () => {
    const id = identifier().identify(req({ 'x-device-fingerprint': FP, 'x-browser-fingerprint': BFP, 'x-timezone': 'Europe/Rome', cookie: `device_fp=${cookie.sign(cookie.newId(Date.now()))}` }))
    expect(id.identity).toEqual({ source: 'client_header', deviceKey: FP, browserKey: BFP, timezone: 'Europe/Rome', rejected: [] })
    expect(id.fingerprint).toBe(FP)
    expect(id.setCookie).toBeNull()
  })

  it('tier 1: the same request asked again is answered from the request cache', () => {
    const ider = identifier()
    const r = req({ 'x-device-fingerprint': FP })
    expect(ider.identify(r).identity.source).toBe('client_header')
    const again = ider.identify({ ...r })
    expect(again.identity).toMatchObject({ source: 'request_cache', deviceKey: FP })
    // Another request with the same headers is not the same request.
    expect(ider.identify(req({ 'x-device-fingerprint': FP })).identity.source).toBe('client_header')
  })

  it('tier 3: the signed device_fp cookie when there is no header', () => {
    const browserId = cookie.newId(Date.now())
    const id = identifier().identify(req({ cookie: `theme=dark; device_fp=${cookie.sign(browserId)}` }))
    expect(id.identity).toMatchObject({ source: 'cookie', deviceKey: browserId })
    expect(id.setCookie).toBeNull()
  })

  it('tier 4: a new cookie id when cookies are allowed, marked server_generated', () => {
    const id = identifier().identify(req({}))
    expect(id.identity.source).toBe('server_generated')
    expect(id.setCookie).toMatch(new RegExp(`^device_fp=${id.identity.deviceKey}\\.`))
    expect(id.setCookie).toContain('HttpOnly')
  })

  it('tier 4 without cookies: a hash of network and headers, never the address', () => {
    const ider = identifier(() => ({ cookies: false, fingerprints: false }))
    const a = ider.identify(req({ 'user-agent': 'UA', 'accept-language': 'it' }))
    expect(a.identity.source).toBe('server_generated')
    expect(a.identity.deviceKey).toMatch(/^g_[A-Za-z0-9_-]{22}$/)
    expect(a.identity.deviceKey).not.toContain('203.0.113')
    expect(a.setCookie).toBeNull()
    expect(ider.identify(req({ 'user-agent': 'UA', 'accept-language': 'it' })).identity.deviceKey).toBe(a.identity.deviceKey)
    expect(ider.identify(req({ 'user-agent': 'UA', 'accept-language': 'it' }, '198.51.100.1')).identity.deviceKey).not.toBe(a.identity.deviceKey)
  })

  it.each([
    ['oversized', 'f'.repeat(129)],
    ['oversized', 'f'.repeat(10_000)],
    ['malformed', 'short'],
    ['malformed', '<script>alert(1)</script>'],
    ['malformed', `${FP}, ${FP}`],
    ['malformed', `${FP}\r\nset-cookie: x=1`],
  ])('refuses a %s fingerprint and falls through to the next tier', (reason, value) => {
    const id = identifier().identify(req({ 'x-device-fingerprint': value }))
    expect(id.identity.source).toBe('server_generated')
    expect(id.identity.rejected).toEqual([{ signal: 'x-device-fingerprint', reason }])
    expect(id.fingerprint).toBeNull()
  })

  it('refuses a repeated fingerprint header and a forged cookie', () => {
    const id = identifier().identify(req({ 'x-device-fingerprint': [FP, FP], cookie: 'device_fp=AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB' }))
    expect(id.identity.source).toBe('server_generated')
    expect(id.identity.rejected).toEqual([{ signal: 'x-device-fingerprint', reason: 'repeated' }, { signal: 'device_fp', reason: 'invalid_signature' }])
  })

  it('takes no fingerprint where the privacy choice says no', () => {
    const id = identifier(() => ({ cookies: true, fingerprints: false })).identify(req({ 'x-device-fingerprint': FP }))
    expect(id.identity.source).toBe('server_generated')
    expect(id.identity.rejected).toEqual([{ signal: 'x-device-fingerprint', reason: 'privacy' }])
  })

  it('reports a bad time zone but keeps the fingerprint', () => {
    const id = identifier().identify(req({ 'x-device-fingerprint': FP, 'x-timezone': 'Mars/Olympus' }))
    expect(id.identity).toMatchObject({ source: 'client_header', timezone: null, rejected: [{ signal: 'x-timezone', reason: 'unknown_zone' }] })
  })

  it('skips the cookie tier without a DeviceCookie', () => {
    const id = identifier(allowAll, false).identify(req({ cookie: `device_fp=${cookie.sign(cookie.newId(Date.now()))}` }))
    expect(id.identity.source).toBe('server_generated')
    expect(id.setCookie).toBeNull()
  })
})
