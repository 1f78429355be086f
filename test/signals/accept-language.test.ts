import { describe, expect, it } from 'vitest'
import {
  createAcceptLanguageParser,
  MAX_ACCEPT_LANGUAGE,
  parseAcceptLanguage,
  type AcceptLanguage,
} from '../../src/signals/accept-language.js'
import { LruCache } from '../../src/signals/lru-cache.js'

describe('parseAcceptLanguage', () => {
  it('orders by quality, keeping header order for ties', () => {
    const result = parseAcceptLanguage('it-IT,it;q=0.9,en-US;q=0.8,en;q=0.7')
    expect(result.languages).toEqual([
      { tag: 'it-IT', q: 1 },
      { tag: 'it', q: 0.9 },
      { tag: 'en-US', q: 0.8 },
      { tag: 'en', q: 0.7 },
    ])
    expect(result.primary).toBe('it-IT')
    expect(result.language).toBe('it')
    expect(result.region).toBe('IT')
    expect(result.rejected).toEqual([])
    expect(parseAcceptLanguage('fr;q=0.5, de, en;q=0.5').languages.map((l) => l.tag)).toEqual(['de', 'fr', 'en'])
  })

  it('canonicalises tags', () => {
    expect(parseAcceptLanguage('EN-us').primary).toBe('en-US')
    expect(parseAcceptLanguage('zh-hant-tw').primary).toBe('zh-Hant-TW')
    expect(parseAcceptLanguage('es-419').region).toBe('419')
    expect(parseAcceptLanguage('sr-Latn-RS').region).toBe('RS')
    expect(parseAcceptLanguage('de').region).toBeNull()
  })

  it('leaves out q=0, the wildcard and duplicates', () => {
    const result = parseAcceptLanguage('*;q=0.1, en;q=0, de, DE, fr;q=0.000')
    expect(result.languages).toEqual([{ tag: 'de', q: 1 }])
    expect(parseAcceptLanguage('*').primary).toBeNull()
  })

  it('drops invalid tags and qualities with a reason', () => {
    const result = parseAcceptLanguage('en_US, x-foo, it, ../../etc/passwd, de;q=2, fr;q=0.1234, es;level=1, pt;q=abc, nl;q=1.5, <script>')
    expect(result.languages.map((l) => l.tag)).toEqual(['it'])
    expect(result.rejected).toEqual([
      { value: 'en_US', reason: 'invalid_tag' },
      { value: 'x-foo', reason: 'invalid_tag' },
      { value: '../../etc/passwd', reason: 'invalid_tag' },
      { value: 'de;q=2', reason: 'invalid_quality' },
      { value: 'fr;q=0.1234', reason: 'invalid_quality' },
      { value: 'es;level=1', reason: 'invalid_quality' },
      { value: 'pt;q=abc', reason: 'invalid_quality' },
      { value: 'nl;q=1.5', reason: 'invalid_quality' },
      { value: '<script>', reason: 'invalid_tag' },
    ])
  })

  it('accepts every RFC 9110 qvalue form', () => {
    for (const q of ['q=0', 'q=0.', 'q=0.5', 'q=0.123', 'q=1', 'q=1.', 'q=1.000', 'Q=0.5']) {
      expect(parseAcceptLanguage(`en;${q}, de;q=0.001`).rejected, q).toEqual([])
    }
  })

  it('is empty for a missing header', () => {
    for (const header of [undefined, '', ' , ']) {
      const result = parseAcceptLanguage(header)
      expect(result.languages).toEqual([])
      expect(result.primary).toBeNull()
      expect(result.language).toBeNull()
      expect(result.region).toBeNull()
    }
  })

  it('ignores an oversized header (10 KB) as a whole', () => {
    const huge = Array.from({ length: 2_000 }, () => 'en').join(',')
    expect(huge.length).toBeGreaterThan(MAX_ACCEPT_LANGUAGE)
    const result = parseAcceptLanguage(huge)
    expect(result.languages).toEqual([])
    expect(result.rejected).toEqual([{ value: huge.slice(0, 32), reason: 'oversized' }])
  })

  it('reads at most 16 entries', () => {
    const tags = ['en', 'de', 'fr', 'it', 'es', 'pt', 'nl', 'sv', 'da', 'fi', 'pl', 'cs', 'sk', 'hu', 'ro', 'bg', 'el', 'tr']
    const result = parseAcceptLanguage(tags.join(','))
    expect(result.languages).toHaveLength(16)
    expect(result.rejected).toEqual([{ value: 'el', reason: 'too_many' }])
  })

  it('rejects overlong tags before Intl sees them', () => {
    const result = parseAcceptLanguage(`en-${'a'.repeat(40)}, it`)
    expect(result.primary).toBe('it')
    expect(result.rejected[0]?.reason).toBe('invalid_tag')
  })

  it('caches per header value and returns frozen results', () => {
    const cache = new LruCache<string, AcceptLanguage>({ max: 5 })
    const parse = createAcceptLanguageParser({ cache })
    const a = parse('it-IT,it;q=0.9')
    expect(parse('it-IT,it;q=0.9')).toBe(a)
    expect(Object.isFrozen(a)).toBe(true)
    expect(Object.isFrozen(a.languages)).toBe(true)
    expect(Object.isFrozen(a.languages[0])).toBe(true)
    parse('x'.repeat(MAX_ACCEPT_LANGUAGE + 1))
    expect(cache.size).toBe(1)
  })
})
