import { describe, expect, it } from 'vitest'
import { LruCache } from '../../src/signals/lru-cache.js'
import {
  clientHintsOf,
  createUserAgentParser,
  MAX_USER_AGENT,
  parseUserAgent,
  type UserAgentInfo,
} from '../../src/signals/user-agent.js'
import { BROWSER_UAS as B, IN_APP_UAS as A } from './real-user-agents.js'

describe('parseUserAgent', () => {
  it.each([
    ['chromeWindows', 'Chrome', '124', 'Windows', '10', 'desktop'],
    ['chromeMac', 'Chrome', '124', 'Mac OS', '10.15.7', 'desktop'],
    ['chromeLinux', 'Chrome', '124', 'Linux', null, 'desktop'],
    ['chromeAndroid', 'Chrome', '124', 'Android', '10', 'mobile'],
    ['chromeAndroidTablet', 'Chrome', '124', 'Android', '10', 'tablet'],
    ['chromeIos', 'Chrome', '124', 'iOS', '17.4', 'mobile'],
    ['chromeOs', 'Chrome', '124', 'Chromium OS', '14541.0.0', 'desktop'],
    ['firefoxWindows', 'Firefox', '125', 'Windows', '10', 'desktop'],
    ['firefoxAndroid', 'Firefox', '125', 'Android', '14', 'mobile'],
    ['firefoxIos', 'Firefox', '125', 'iOS', '17.4', 'mobile'],
    ['safariMac', 'Safari', '17', 'Mac OS', '10.15.7', 'desktop'],
    ['safariIphone', 'Mobile Safari', '17', 'iOS', '17.4.1', 'mobile'],
    ['safariIpad', 'Mobile Safari', '16', 'iOS', '16.6', 'tablet'],
    ['edgeWindows', 'Edge', '124', 'Windows', '10', 'desktop'],
    ['samsung', 'Samsung Internet', '24', 'Android', '13', 'mobile'],
    ['opera', 'Opera', '109', 'Windows', '10', 'desktop'],
    ['smartTv', null, null, 'Tizen', '6.0', 'smarttv'],
    ['playstation', null, null, 'PlayStation', '5', 'console'],
  ] as const)('%s', (key, browser, major, os, osVersion, type) => {
    const info = parseUserAgent(B[key])
    if (browser !== null) expect(info.browser.name).toBe(browser)
    if (major !== null) expect(info.browser.major).toBe(major)
    expect(info.os.name).toBe(os)
    expect(info.os.version).toBe(osVersion)
    expect(info.device.type).toBe(type)
    expect(info.inApp).toBeNull()
    expect(info.fromHints).toBe(false)
    expect(info.notes).toEqual([])
  })

  it('reads engine, vendor and model', () => {
    const s = parseUserAgent(B.samsung)
    expect(s.engine).toEqual({ name: 'Blink', version: '117.0.0.0' })
    expect(s.device).toEqual({ type: 'mobile', vendor: 'Samsung', model: 'SM-S918B' })
    expect(parseUserAgent(B.firefoxMac).engine.name).toBe('Gecko')
    expect(parseUserAgent(B.safariIphone).device).toEqual({ type: 'mobile', vendor: 'Apple', model: 'iPhone' })
  })

  it.each([
    ['instagram', 'Instagram'],
    ['instagramAndroid', 'Instagram'],
    ['facebookIos', 'Facebook'],
    ['facebookAndroid', 'Facebook'],
    ['messenger', 'Messenger'],
    ['tiktok', 'TikTok'],
    ['line', 'LINE'],
    ['wechat', 'WeChat'],
    ['snapchat', 'Snapchat'],
    ['linkedin', 'LinkedIn'],
    ['googleApp', 'Google App'],
    ['androidWebView', 'WebView'],
  ] as const)('recognises the %s in-app browser', (key, app) => {
    const info = parseUserAgent(A[key])
    expect(info.inApp).toBe(app)
    expect(['mobile', 'tablet']).toContain(info.device.type)
  })

  it('knows nothing about a missing or empty UA', () => {
    for (const ua of [undefined, '']) {
      const info = parseUserAgent(ua)
      expect(info.browser).toEqual({ name: null, version: null, major: null })
      expect(info.os).toEqual({ name: null, version: null })
      expect(info.device).toEqual({ type: 'unknown', vendor: null, model: null })
    }
  })

  it('truncates oversized UAs (10 KB) and says so', () => {
    const huge = `${B.chromeWindows} ${'A'.repeat(10_000)}`
    const info = parseUserAgent(huge)
    expect(info.notes).toEqual(['ua_truncated'])
    expect(info.browser.name).toBe('Chrome')
    // the cache key is the truncated string, so the flood cannot grow keys
    expect(parseUserAgent(`${huge}B`)).toBe(info)
    expect(MAX_USER_AGENT).toBe(512)
  })

  // The parser reads at most MAX_USER_AGENT characters, which bounds its work; what a test checks is the answer, not a time.
  it('survives garbage', () => {
    for (const ua of ['\u0000\u0001\u0002', '((((((((((', ';'.repeat(500), '<script>alert(1)</script>', '🙂'.repeat(200), 'Mozilla/5.0 ('.repeat(50)]) {
      const info = parseUserAgent(ua)
      expect(info.device.type).toBeTypeOf('string')
    }
  })

  it('returns frozen results, shared from the cache', () => {
    const cache = new LruCache<string, UserAgentInfo>({ max: 10 })
    const parse = createUserAgentParser({ cache })
    const a = parse(B.chromeWindows)
    expect(parse(B.chromeWindows)).toBe(a)
    expect(cache.size).toBe(1)
    expect(Object.isFrozen(a)).toBe(true)
    expect(Object.isFrozen(a.browser)).toBe(true)
    expect(() => {
      ;(a.browser as { name: string | null }).name = 'x'
    }).toThrow(TypeError)
    // hints are part of the key
    const hinted = parse(B.chromeWindows, { secChUaPlatform: '"Windows"', secChUaPlatformVersion: '"15.0.0"' })
    expect(hinted).not.toBe(a)
    expect(cache.size).toBe(2)
  })

  describe('client hints', () => {
    const chromeBrands = '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"'
    const chromeFull = '"Chromium";v="124.0.6367.91", "Google Chrome";v="124.0.6367.91", "Not-A.Brand";v="99.0.0.0"'

    it('tells Windows 11 from the frozen "Windows NT 10.0"', () => {
      const win11 = parseUserAgent(B.chromeWindows, { secChUa: chromeBrands, secChUaPlatform: '"Windows"', secChUaPlatformVersion: '"15.0.0"', secChUaMobile: '?0' })
      expect(win11.os).toEqual({ name: 'Windows', version: '11' })
      expect(win11.fromHints).toBe(true)
      const win10 = parseUserAgent(B.chromeWindows, { secChUaPlatform: '"Windows"', secChUaPlatformVersion: '"10.0.0"' })
      expect(win10.os).toEqual({ name: 'Windows', version: '10' })
      const win7 = parseUserAgent(B.chromeWindows.replace('Windows NT 10.0', 'Windows NT 6.1'), { secChUaPlatform: '"Windows"', secChUaPlatformVersion: '"0.1.0"' })
      expect(win7.os).toEqual({ name: 'Windows', version: '7' })
    })

    it('takes the real browser version from the full version list', () => {
      const info = parseUserAgent(B.chromeWindows, { secChUa: chromeBrands, secChUaFullVersionList: chromeFull })
      expect(info.browser).toEqual({ name: 'Chrome', version: '124.0.6367.91', major: '124' })
      expect(info.engine).toEqual({ name: 'Blink', version: '124.0.6367.91' })
    })

    it('replaces the reduced Android model "K" and finds the vendor', () => {
      const pixel = parseUserAgent(B.chromeAndroid, { secChUaModel: '"Pixel 8"', secChUaPlatform: '"Android"', secChUaPlatformVersion: '"14.0.0"', secChUaMobile: '?1' })
      expect(pixel.device).toEqual({ type: 'mobile', vendor: 'Google', model: 'Pixel 8' })
      expect(pixel.os).toEqual({ name: 'Android', version: '14' })
      const samsung = parseUserAgent(B.chromeAndroid, { secChUaModel: '"SM-S918B"' })
      expect(samsung.device.vendor).toBe('Samsung')
      expect(samsung.device.model).toBe('SM-S918B')
    })

    it('names Brave, which sends a Chrome UA', () => {
      const info = parseUserAgent(B.chromeWindows, { secChUa: '"Brave";v="124", "Chromium";v="124", "Not-A.Brand";v="99"' })
      expect(info.browser.name).toBe('Brave')
    })

    it('keeps a more specific UA name (Edge, Samsung, in-app) over the hint brand', () => {
      const edge = parseUserAgent(B.edgeWindows, {
        secChUa: '"Chromium";v="124", "Microsoft Edge";v="124", "Not-A.Brand";v="99"',
        secChUaFullVersionList: '"Chromium";v="124.0.6367.91", "Microsoft Edge";v="124.0.2478.67", "Not-A.Brand";v="99.0.0.0"',
      })
      expect(edge.browser).toEqual({ name: 'Edge', version: '124.0.2478.67', major: '124' })
      const insta = parseUserAgent(A.instagramAndroid, { secChUa: '"Android WebView";v="119", "Chromium";v="119", "Not?A_Brand";v="24"' })
      expect(insta.browser.name).toBe('Instagram')
    })

    it('reads the real macOS version', () => {
      const info = parseUserAgent(B.chromeMac, { secChUaPlatform: '"macOS"', secChUaPlatformVersion: '"14.4.1"' })
      expect(info.os).toEqual({ name: 'Mac OS', version: '14.4.1' })
    })

    it('sees through "request desktop site" on Android', () => {
      const info = parseUserAgent(B.chromeLinux, { secChUaPlatform: '"Android"', secChUaPlatformVersion: '"14.0.0"', secChUaMobile: '?0' })
      expect(info.os).toEqual({ name: 'Android', version: '14' })
    })

    it('ignores GREASE brands in any spelling', () => {
      for (const grease of ['"Not-A.Brand";v="99"', '"Not A(Brand";v="99"', '"Not)A;Brand";v="8"', '";Not A Brand";v="99"', '"Not?A_Brand";v="24"']) {
        // A plain Chromium build (Debian's chromium) sends only this brand and a "Chrome/" UA.
        const info = parseUserAgent(B.chromeLinux, { secChUa: `${grease}, "Chromium";v="124"` })
        expect(info.browser.name, grease).toBe('Chromium')
      }
    })

    it('ignores invalid and oversized hints with a note', () => {
      const invalid = parseUserAgent(B.chromeWindows, { secChUaPlatform: 'Windows', secChUaMobile: 'yes', secChUa: '"Chromium;v=124' })
      expect(invalid.os).toEqual({ name: 'Windows', version: '10' })
      expect(invalid.notes).toEqual(['hint_invalid'])
      const oversized = parseUserAgent(B.chromeWindows, { secChUa: `"${'x'.repeat(10_000)}";v="1"`, secChUaFullVersionList: ',' })
      expect(oversized.browser.name).toBe('Chrome')
      expect(oversized.notes).toEqual(['hint_oversized', 'hint_invalid'])
      const badVersion = parseUserAgent(B.chromeWindows, { secChUaPlatform: '"Windows"', secChUaPlatformVersion: '"../../x"' })
      expect(badVersion.os.version).toBe('10')
      const badModel = parseUserAgent(B.chromeAndroid, { secChUaModel: '"\u0007"' })
      expect(badModel.device.model).toBe('K')
    })

    it('treats Unknown or empty platform as no hint', () => {
      expect(parseUserAgent(B.chromeLinux, { secChUaPlatform: '"Unknown"' }).os.name).toBe('Linux')
      expect(parseUserAgent(B.chromeLinux, { secChUaPlatform: '""' }).os.name).toBe('Linux')
    })
  })

  it('picks the hints out of request headers', () => {
    expect(
      clientHintsOf({
        'sec-ch-ua': '"Chromium";v="124"',
        'sec-ch-ua-mobile': '?0',
        'sec-ch-ua-platform': '"Windows"',
        'sec-ch-ua-platform-version': '"15.0.0"',
        'sec-ch-ua-model': '""',
        'sec-ch-ua-full-version-list': '"Chromium";v="124.0.6367.91"',
        'user-agent': 'x',
        'sec-ch-ua-arch': ['x', 'y'],
      }),
    ).toEqual({
      secChUa: '"Chromium";v="124"',
      secChUaMobile: '?0',
      secChUaPlatform: '"Windows"',
      secChUaPlatformVersion: '"15.0.0"',
      secChUaModel: '""',
      secChUaFullVersionList: '"Chromium";v="124.0.6367.91"',
    })
  })

  it('is bounded: a flood of distinct UAs does not grow the cache past its max', () => {
    const cache = new LruCache<string, UserAgentInfo>({ max: 50 })
    const parse = createUserAgentParser({ cache })
    for (let i = 0; i < 500; i++) parse(`${B.chromeWindows} r/${i}`)
    expect(cache.size).toBe(50)
  })
})

describe('parseUserAgent cache keys', () => {
  it('shares one entry between no hints and an empty hint set', () => {
    const cache = new LruCache<string, UserAgentInfo>({ max: 10 })
    const parse = createUserAgentParser({ cache })
    const a = parse(B.firefoxLinux)
    expect(parse(B.firefoxLinux, {})).toBe(a)
    expect(parse(B.firefoxLinux, clientHintsOf({ 'user-agent': B.firefoxLinux }))).toBe(a)
    expect(cache.size).toBe(1)
  })
})
