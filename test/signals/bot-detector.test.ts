import UserAgent from 'user-agents'
import { describe, expect, it } from 'vitest'
import { createBotDetector, detectBot, type BotVerdict } from '../../src/signals/bot-detector.js'
import { LruCache } from '../../src/signals/lru-cache.js'
import { BROWSER_UAS, CRAWLER_UAS, IN_APP_UAS, PREVIEW_UAS, SCANNER_UAS } from './real-user-agents.js'

const get = (userAgent: string | undefined, headers = {}) => detectBot({ method: 'GET', userAgent, headers })

describe('detectBot', () => {
  it.each(Object.entries(BROWSER_UAS))('real browser %s is not a bot', (_name, ua) => {
    expect(get(ua)).toEqual({ bot: false, reason: null })
  })

  it.each(Object.entries(IN_APP_UAS))('in-app browser %s is not a bot', (_name, ua) => {
    expect(get(ua)).toEqual({ bot: false, reason: null })
  })

  it.each(Object.entries(PREVIEW_UAS))('%s is a link preview', (_name, ua) => {
    expect(get(ua)).toEqual({ bot: true, reason: 'link_preview' })
  })

  it.each(Object.entries(CRAWLER_UAS))('%s is a bot by its user agent', (_name, ua) => {
    expect(get(ua)).toEqual({ bot: true, reason: 'user_agent' })
  })

  it.each(Object.entries(SCANNER_UAS))('%s is a scanner', (_name, ua) => {
    expect(get(ua)).toEqual({ bot: true, reason: 'scanner' })
  })

  it('flags HEAD before anything else', () => {
    expect(detectBot({ method: 'HEAD', userAgent: BROWSER_UAS.chromeWindows })).toEqual({ bot: true, reason: 'head_request' })
    expect(detectBot({ method: 'head', userAgent: undefined })).toEqual({ bot: true, reason: 'head_request' })
  })

  it('flags a missing or blank user agent', () => {
    for (const ua of [undefined, null, '', '   ', '\t']) {
      expect(detectBot({ method: 'GET', userAgent: ua })).toEqual({ bot: true, reason: 'missing_user_agent' })
    }
  })

  it('flags a declared preview purpose', () => {
    expect(get(BROWSER_UAS.safariMac, { 'x-purpose': 'preview' })).toEqual({ bot: true, reason: 'link_preview' })
    expect(get(BROWSER_UAS.safariMac, { purpose: 'Preview' })).toEqual({ bot: true, reason: 'link_preview' })
    // a speculative prefetch may become a real visit; it is not a bot
    expect(get(BROWSER_UAS.chromeWindows, { 'sec-purpose': 'prefetch' })).toEqual({ bot: false, reason: null })
  })

  it('matches the frozen browser UAs of preview fetchers whole: the same Firefox elsewhere is a person', () => {
    expect(get('Mozilla/5.0 (Macintosh; Intel Mac OS X 11.6; rv:92.0) Gecko/20100101 Firefox/92.0').reason).toBe('link_preview')
    expect(get('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:92.0) Gecko/20100101 Firefox/92.0').bot).toBe(false)
    expect(get('Mozilla/5.0 (Macintosh; Intel Mac OS X 11.6; rv:93.0) Gecko/20100101 Firefox/93.0').bot).toBe(false)
  })

  it('only counts app names as previews outside a browser UA', () => {
    expect(get('Mozilla/5.0 (Linux; Android 13; Pixel 7; wv) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0 Mobile Safari/537.36 Viber/20.3.0').bot).toBe(false)
    expect(get('Viber/20.3.0').reason).toBe('link_preview')
  })

  it('does not flag the browsers of a large realistic sample (user-agents package)', () => {
    const flagged: string[] = []
    for (let i = 0; i < 2_000; i++) {
      const ua = new UserAgent().toString()
      if (get(ua).bot) flagged.push(ua)
    }
    // The generator draws from recorded real traffic, which includes a few headless browsers.
    expect(flagged.filter((ua) => !/Headless|bot|spider|crawl/i.test(ua)), flagged.slice(0, 5).join('\n')).toEqual([])
  })

  it('caches per UA string and allocates no verdicts', () => {
    const cache = new LruCache<string, BotVerdict>({ max: 10 })
    const detect = createBotDetector({ cache })
    const a = detect({ method: 'GET', userAgent: BROWSER_UAS.chromeWindows })
    const b = detect({ method: 'GET', userAgent: BROWSER_UAS.chromeWindows })
    expect(a).toBe(b)
    expect(cache.size).toBe(1)
    expect(Object.isFrozen(a)).toBe(true)
    detect({ method: 'HEAD', userAgent: 'anything new' })
    expect(cache.size).toBe(1)
  })

  it('handles hostile UAs', () => {
    for (const ua of ['a'.repeat(10_000), `${'Mozilla/5.0 ('.repeat(1000)}`, '\u0000'.repeat(5000), `${BROWSER_UAS.chromeWindows}${' '.repeat(10_000)}bot`]) {
      const verdict = get(ua)
      expect(typeof verdict.bot).toBe('boolean')
    }
  })
})
