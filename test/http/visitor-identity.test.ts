import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEVICE_COOKIE } from '../../src/identity/device-cookie.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const SDK = { 'x-device-fingerprint': 'D'.repeat(43), 'x-timezone': 'Europe/Rome' }

/** `GET /api/visitor/identity`: the caller's own browser as the server sees it (the test page's "what the server resolved"). */
describe('GET /api/visitor/identity', () => {
  let svc: TestService
  beforeAll(async () => {
    svc = await startTestService('sqlite', { PRIVACY_MODE: 'full' })
    await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(svc.adminKey), payload: { url: 'https://example.org/', slug: 'who' } })
  })
  afterAll(() => svc.close())

  const identity = (headers: Record<string, string> = {}, query = '') => svc.app.inject({ url: `/api/visitor/identity${query}`, headers: { 'user-agent': FIREFOX, ...headers } })
  const click = async (ua: string, headers: Record<string, string> = {}) => {
    const res = await svc.app.inject({ url: '/who', headers: { 'user-agent': ua, 'accept-language': 'en', accept: 'application/json', ...SDK, 'x-browser-fingerprint': `${ua.includes('Firefox') ? 'F' : 'C'}`.repeat(43), ...headers } })
    expect(res.statusCode).toBe(200)
    return String(res.headers['set-cookie']).split(';')[0]!
  }

  it('before any click: how this request was identified, and no browser yet', async () => {
    const res = await identity(SDK)
    expect(res.statusCode).toBe(200)
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.json()).toEqual({
      privacyMode: 'full', sdkHeadersCount: true,
      request: { source: 'client_header', timezone: 'Europe/Rome', deviceFingerprint: true, browserFingerprint: false, rejected: [] },
      browser: null,
    })
  })

  it('after clicks in two browsers of one device: this browser, its device cluster, the evidence that joined them', async () => {
    const firefox = await click(FIREFOX)
    const chrome = await click(CHROME)
    const ff = (await identity({ cookie: firefox })).json()
    const ch = (await identity({ cookie: chrome, 'user-agent': CHROME })).json()
    expect(ff.browser).toMatchObject({ sdk: { device: true, browser: true }, browserName: 'Firefox', osName: 'Linux', deviceType: 'desktop', contextsInBrowser: 1, contextsInDevice: 2 })
    expect(ch.browser).toMatchObject({ browserName: 'Chrome', factors: expect.arrayContaining(['level:device']), contextsInDevice: 2 })
    // The same SDK device hash, and the same link minutes later from the same address: the surer of the two joined them.
    expect(['reopen', 'sdk_device']).toContain(ch.browser.factors[0])
    expect(ch.browser.deviceId).toBe(ff.browser.deviceId)
    expect(ch.browser.browserId).not.toBe(ff.browser.browserId)
    expect(ch.browser.confidence).toBeGreaterThanOrEqual(50)
    // Its own facts only: no other browser's cookie (the cluster id is the oldest member's
    // id, as the visitor export names it, but without its signature it opens nothing), no
    // SDK hash, no address.
    const body = JSON.stringify(ch)
    expect(body).not.toContain(firefox.split('=')[1]!)
    expect(body).not.toContain('D'.repeat(43))
    expect(body).not.toContain('127.0.0.1')
  })

  it('tells GPC and refused headers apart', async () => {
    const gpc = (await identity({ ...SDK, 'sec-gpc': '1' })).json()
    expect(gpc).toMatchObject({ privacyMode: 'strict', sdkHeadersCount: false, request: { deviceFingerprint: false, rejected: [{ signal: 'x-device-fingerprint', reason: 'privacy' }] } })
    const malformed = (await identity({ 'x-device-fingerprint': '<script>alert(1)</script>' })).json()
    expect(malformed.request.rejected).toContainEqual({ signal: 'x-device-fingerprint', reason: 'malformed' })
    expect((await identity({ 'x-device-fingerprint': 'a'.repeat(129) })).json().request.rejected).toContainEqual({ signal: 'x-device-fingerprint', reason: 'oversized' })
  })

  it('a signed-in caller gets no fingerprint work', async () => {
    const res = (await identity(bearer(svc.adminKey))).json()
    expect(res.request).toBeNull()
  })

  it('answers hostile input with 4xx and a stable code', async () => {
    const forged = await identity({ cookie: `${DEVICE_COOKIE}=${'A'.repeat(22)}.${'B'.repeat(22)}` })
    expect(forged.statusCode).toBe(401)
    expect(forged.json().error.code).toBe('VISITOR_COOKIE_INVALID')
    const junk = await identity({ cookie: `${DEVICE_COOKIE}=<script>` })
    expect(junk.json().error.code).toBe('VISITOR_COOKIE_INVALID')
    expect(junk.body).not.toContain('<script>')
    const query = await identity({}, '?id=someone-else')
    expect(query.statusCode).toBe(400)
    expect(query.json().error.code).toBe('VALIDATION_FAILED')
    const badToken = await identity({ authorization: 'Bearer nope' })
    expect(badToken.statusCode).toBe(401)
    expect(badToken.json().error.code).toBe('INVALID_TOKEN')
  })
})
