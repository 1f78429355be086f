import { describe, expect, it } from 'vitest'
import { HOUR, MINUTE, signalsOf, testEngine as engine } from '../helpers/identity-fixtures.js'

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

describe('reopen, only into the one device of its kind that clicked the link here', () => {
  const FB_ANDROID = 'Mozilla/5.0 (Linux; Android 14; SM-A155F Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/140.0.7339.51 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/520.0.0.40.80;IABMV/1;]'
  const SAMSUNG = 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36'

  it('not when two devices of that kind clicked the link from the address just now', () => {
    const e = engine()
    // A family link: two Android phones of one home open it in Chrome within a minute…
    e.resolve(click(ANDROID_CHROME, { ts: 0, newCookieId: 'anna-chrome' }))
    e.resolve(click(ANDROID_CHROME, { ts: MINUTE, newCookieId: 'bruno-chrome', sdkDevice: null }))
    // …then one of them in Samsung Internet: which phone reopened it cannot be told.
    const third = e.resolve(click(SAMSUNG, { ts: 2 * MINUTE, newCookieId: 'someone-samsung' }))
    expect(third.factors).not.toContain('reopen')
  })

  it('not into a device of another language, model or SDK device hash', () => {
    const e = engine()
    const chrome = e.resolve(click(ANDROID_CHROME, { ts: 0, newCookieId: 'chrome', language: 'de' }))
    expect(e.resolve(click(SAMSUNG, { ts: MINUTE, newCookieId: 'samsung' })).deviceId).not.toBe(chrome.deviceId)
    const fb = e.resolve(click(FB_ANDROID, { ts: 10 * MINUTE, newCookieId: 'facebook', linkId: 3 }))
    // Another phone model's in-app view, then a browser whose SDK reads another device.
    const other = 'Mozilla/5.0 (Linux; Android 14; SM-S921B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/140.0.7339.51 Mobile Safari/537.36 Instagram 399.0.0.30.149 Android (34/14; 480dpi; 1080x2340; samsung; SM-S921B; e1s; qcom; it_IT; 700404187)'
    expect(e.resolve(click(other, { ts: 11 * MINUTE, newCookieId: 'instagram-s24', linkId: 3 })).deviceId).not.toBe(fb.deviceId)
    const sdk = e.resolve(click(ANDROID_CHROME, { ts: 20 * MINUTE, newCookieId: 'chrome-sdk', linkId: 4, sdkDevice: 'device-a' }))
    expect(e.resolve(click(SAMSUNG, { ts: 21 * MINUTE, newCookieId: 'samsung-sdk', linkId: 4, sdkDevice: 'device-b' })).deviceId).not.toBe(sdk.deviceId)
  })

  it('still joins the in-app view of a phone and the browser it hands the link to', () => {
    const e = engine()
    const fb = e.resolve(click(FB_ANDROID, { ts: 0, newCookieId: 'facebook' }))
    const chrome = e.resolve(click(ANDROID_CHROME, { ts: MINUTE, newCookieId: 'chrome' }))
    expect(chrome.deviceId).toBe(fb.deviceId)
    expect(chrome.factors).toContain('reopen')
  })
})

describe('sdk_browser: the SDK browser hash, judged on its own use', () => {
  const MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36'
  const sdk = (device: string, browser: string) => ({ sdkDevice: device, sdkBrowser: browser, timezone: 'Europe/Rome' })

  it("joins Chrome's incognito window to its install even when the device hash names a whole kind of device", () => {
    const e = engine()
    // Two laptops of one screen size and core count in two homes: their device hash proves nothing…
    e.resolve(click(MAC, { ts: 0, newCookieId: 'anna', ipHash: 'ip-anna', prefixHash: 'net-anna', ...sdk('mac-1440x900-8', 'anna-canvas') }))
    e.resolve(click(MAC, { ts: 1000, newCookieId: 'bruno', ipHash: 'ip-bruno', prefixHash: 'net-bruno', ...sdk('mac-1440x900-8', 'bruno-canvas') }))
    expect(e.state.sdkDeviceAmbiguous('mac-1440x900-8')).toBe(true)
    // …but Anna's incognito window draws as her normal window does.
    const incognito = e.resolve(click(MAC, { ts: HOUR, newCookieId: 'anna-incognito', ipHash: 'ip-anna', prefixHash: 'net-anna', ...sdk('mac-1440x900-8', 'anna-canvas') }))
    expect(incognito.browserId).toBe('anna')
    expect(incognito.factors).toContain('sdk_browser')
    expect(e.state.find('device', 'bruno')).toBe('bruno')
  })

  it('identical units of one image behind one address: withdrawn once they come in numbers', () => {
    const e = engine()
    for (let i = 0; i < 4; i++) e.resolve(click(MAC, { ts: i * MINUTE, newCookieId: `desk-${i}`, ipHash: 'ip-office', prefixHash: 'net-office', ...sdk('image-hash', 'image-canvas') }))
    expect(e.state.sdkBrowserAmbiguous('image-canvas')).toBe(true)
    expect(new Set([0, 1, 2, 3].map((i) => e.state.find('device', `desk-${i}`))).size).toBe(4)
  })
})
