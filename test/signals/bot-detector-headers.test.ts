import { describe, expect, it } from 'vitest'
import { createBotDetector, detectBot } from '../../src/signals/bot-detector.js'
import { BROWSER_UAS, IN_APP_UAS } from './real-user-agents.js'

/** What each engine really sends with a top-level navigation to an HTTPS page. */
const CHROME_NAVIGATION = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7',
  'accept-language': 'it-IT,it;q=0.9,en-US;q=0.8,en;q=0.7',
  'accept-encoding': 'gzip, deflate, br, zstd',
  'sec-ch-ua': '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"',
  'sec-ch-ua-mobile': '?0',
  'sec-ch-ua-platform': '"Windows"',
  'upgrade-insecure-requests': '1',
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'none',
  'sec-fetch-user': '?1',
}
const FIREFOX_NAVIGATION = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'accept-language': 'it-IT,it;q=0.8,en-US;q=0.5,en;q=0.3',
  'accept-encoding': 'gzip, deflate, br, zstd',
  'upgrade-insecure-requests': '1',
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'none',
  'sec-fetch-user': '?1',
}
const SAFARI_NAVIGATION = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'accept-language': 'it-IT,it;q=0.9',
  'accept-encoding': 'gzip, deflate, br',
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'none',
}
const { 'sec-ch-ua': _a, 'sec-ch-ua-mobile': _b, 'sec-ch-ua-platform': _c, ...CHROME_WITHOUT_HINTS } = CHROME_NAVIGATION

const get = (userAgent: string, headers: Record<string, string | string[]>) => detectBot({ method: 'GET', userAgent, headers })

describe('detectBot: browser UAs whose headers are not that browser', () => {
  it('passes real navigations of every engine', () => {
    expect(get(BROWSER_UAS.chromeWindows, CHROME_NAVIGATION).bot).toBe(false)
    expect(get(BROWSER_UAS.edgeWindows, CHROME_NAVIGATION).bot).toBe(false)
    expect(get(BROWSER_UAS.firefoxWindows, FIREFOX_NAVIGATION).bot).toBe(false)
    expect(get(BROWSER_UAS.safariIphone, SAFARI_NAVIGATION).bot).toBe(false)
    // Chrome on iOS is WebKit: no client hints, and its UA says CriOS, not Chrome/.
    expect(get(BROWSER_UAS.chromeIos, SAFARI_NAVIGATION).bot).toBe(false)
  })

  it('passes browsers that never send client hints with Fetch Metadata', () => {
    // Android WebView and WebView-based browsers got UA-CH late; Chrome before 89 had none.
    expect(get(IN_APP_UAS.androidWebView, CHROME_WITHOUT_HINTS).bot).toBe(false)
    expect(get(IN_APP_UAS.instagramAndroid, CHROME_WITHOUT_HINTS).bot).toBe(false)
    expect(get(BROWSER_UAS.ucBrowser, CHROME_WITHOUT_HINTS).bot).toBe(false)
    expect(get(BROWSER_UAS.chromeWindows.replace('124.0.0.0', '88.0.4324.190'), CHROME_WITHOUT_HINTS).bot).toBe(false)
  })

  it('flags a current Chrome UA with Fetch Metadata but no client hints (a copied header set)', () => {
    expect(get(BROWSER_UAS.chromeWindows, CHROME_WITHOUT_HINTS)).toEqual({ bot: true, reason: 'header_mismatch' })
    expect(get(BROWSER_UAS.edgeWindows, CHROME_WITHOUT_HINTS).reason).toBe('header_mismatch')
    expect(get(BROWSER_UAS.samsung, CHROME_WITHOUT_HINTS).reason).toBe('header_mismatch')
  })

  it('flags a browser UA asking for anything, in no language (an HTTP library)', () => {
    expect(get(BROWSER_UAS.chromeWindows, { accept: '*/*' })).toEqual({ bot: true, reason: 'header_mismatch' })
    expect(get(BROWSER_UAS.firefoxWindows, { accept: '*/*', 'accept-encoding': 'gzip' }).reason).toBe('header_mismatch')
    // Either fact alone is no proof.
    expect(get(BROWSER_UAS.chromeWindows, { accept: '*/*', 'accept-language': 'en-US' }).bot).toBe(false)
    expect(get(BROWSER_UAS.chromeWindows, { accept: 'text/html' }).bot).toBe(false)
  })

  it('judges nothing from absences alone: no headers at all is not a mismatch', () => {
    expect(get(BROWSER_UAS.chromeWindows, {}).bot).toBe(false)
    expect(detectBot({ method: 'GET', userAgent: BROWSER_UAS.chromeWindows }).bot).toBe(false)
  })

  it('keeps the UA verdict cached while the header check runs per request', () => {
    const detect = createBotDetector()
    expect(detect({ method: 'GET', userAgent: BROWSER_UAS.chromeWindows, headers: CHROME_NAVIGATION }).bot).toBe(false)
    expect(detect({ method: 'GET', userAgent: BROWSER_UAS.chromeWindows, headers: CHROME_WITHOUT_HINTS }).reason).toBe('header_mismatch')
    expect(detect({ method: 'GET', userAgent: BROWSER_UAS.chromeWindows, headers: CHROME_NAVIGATION }).bot).toBe(false)
  })

  it('survives hostile headers: floods, repeats, garbage versions', () => {
    const flood: Record<string, string | string[]> = { ...CHROME_WITHOUT_HINTS }
    for (let i = 0; i < 10_000; i++) flood[`x-junk-${i}`] = 'y'.repeat(100)
    expect(get(BROWSER_UAS.chromeWindows, flood).reason).toBe('header_mismatch')
    expect(get(BROWSER_UAS.chromeWindows, { ...CHROME_NAVIGATION, accept: ['*/*', '*/*'] }).bot).toBe(false)
    expect(get(`Mozilla/5.0 (Windows NT 10.0) Chrome/${'9'.repeat(5000)} Safari/537.36`, CHROME_WITHOUT_HINTS).bot).toBe(true)
    expect(get('Mozilla/5.0 Chrome/abc', CHROME_WITHOUT_HINTS).bot).toBe(false)
    expect(get(`Mozilla/5.0 ${'Chrome/1'.repeat(2000)}`, { 'sec-fetch-mode': 'navigate', accept: '*/*', 'accept-language': 'en' }).bot).toBe(false)
  })
})

describe('detectBot: link checks by Office apps', () => {
  it.each([
    ['Word or Outlook checking a link before opening it', 'Mozilla/4.0 (compatible; ms-office; MSOffice 16)'],
    ['Outlook fetching a link itself', 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)'],
    ['Office existence discovery', 'Microsoft Office Existence Discovery'],
  ])('%s is not a visit', (_what, ua) => {
    expect(get(ua, { accept: '*/*' })).toEqual({ bot: true, reason: 'link_preview' })
  })
})
