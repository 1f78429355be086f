import { describe, expect, it } from 'vitest'
import { MINUTE, signalsOf, testEngine as engine } from '../helpers/identity-fixtures.js'

const INSTAGRAM = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 399.0.0.23.99 (iPhone11,8; iOS 26_2; it_IT; it; scale=2.00; 828x1792; 800389823; IABMV/1)'
const SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.2 Mobile/15E148 Safari/604.1'
const ANDROID_CHROME = 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36'
/** A plain redirect (no SDK) from a home router. */
const click = signalsOf

describe('reopen: the same link opened again in another browser of the device', () => {
  it('joins the in-app view and the browser it hands the link to, without the SDK', () => {
    const e = engine()
    const inApp = e.resolve(click(INSTAGRAM, { ts: 0, newCookieId: 'instagram' }))
    const safari = e.resolve(click(SAFARI, { ts: 2 * MINUTE, newCookieId: 'safari' }))
    expect(safari.deviceId).toBe(inApp.deviceId)
    expect(safari.browserId).not.toBe(inApp.browserId)
    expect(safari.factors).toContain('reopen')
    expect(safari.deviceUnique).toBe(false)
    expect(safari.browserUnique).toBe(true)
  })

  it('needs the same link, within minutes', () => {
    const e = engine()
    e.resolve(click(INSTAGRAM, { ts: 0, newCookieId: 'instagram' }))
    expect(e.resolve(click(SAFARI, { ts: MINUTE, newCookieId: 'other-link', linkId: 2 })).factors).not.toContain('reopen')
    expect(e.resolve(click(SAFARI, { ts: 20 * MINUTE, newCookieId: 'later' })).factors).not.toContain('reopen')
  })

  it('needs another browser on the same OS', () => {
    const e = engine()
    const first = e.resolve(click(SAFARI, { ts: 0, newCookieId: 'anna' }))
    // The same browser again with a new cookie jar is another phone of the same model as likely as a private window.
    expect(e.resolve(click(SAFARI, { ts: MINUTE, newCookieId: 'bruno' })).deviceId).not.toBe(first.deviceId)
    expect(e.resolve(click(ANDROID_CHROME, { ts: 2 * MINUTE, newCookieId: 'carla' })).deviceId).not.toBe(first.deviceId)
  })

  it('is no evidence on a busy address (an office, a carrier NAT)', () => {
    const e = engine()
    for (let i = 0; i < 4; i++) e.resolve(click(ANDROID_CHROME, { ts: i * MINUTE, newCookieId: `colleague-${i}`, linkId: 9, ipHash: 'ip-office', prefixHash: 'net-office' }))
    const inApp = e.resolve(click(INSTAGRAM, { ts: 5 * MINUTE, newCookieId: 'instagram', ipHash: 'ip-office', prefixHash: 'net-office' }))
    const safari = e.resolve(click(SAFARI, { ts: 6 * MINUTE, newCookieId: 'safari', ipHash: 'ip-office', prefixHash: 'net-office' }))
    expect(safari.deviceId).not.toBe(inApp.deviceId)
  })
})
