import { LruCache } from './lru-cache.js'

export interface LanguagePreference {
  /** Canonical BCP 47 tag (`en-US`, `zh-Hant-TW`). */
  readonly tag: string
  readonly q: number
}

export type AcceptLanguageRejection =
  /** The whole header was longer than MAX_ACCEPT_LANGUAGE and was ignored. */
  | 'oversized'
  /** More than MAX_LANGUAGES entries; the rest were ignored. */
  | 'too_many'
  /** Not a BCP 47 tag (`en_US`, `x-foo`, garbage). */
  | 'invalid_tag'
  /** A q parameter that is not an RFC 9110 qvalue. */
  | 'invalid_quality'

export interface AcceptLanguage {
  /** Valid entries by descending q (ties keep header order); q=0 ("not this one") and `*` left out. */
  readonly languages: readonly LanguagePreference[]
  /** The first tag, or null. */
  readonly primary: string | null
  /** Its language subtag, lower case (`it`). */
  readonly language: string | null
  /** Its region subtag when the tag has one (`IT` for `it-IT`, `419` for `es-419`); the geo inference tier reads this. */
  readonly region: string | null
  readonly rejected: ReadonlyArray<{ readonly value: string; readonly reason: AcceptLanguageRejection }>
}

export interface AcceptLanguageParserOptions {
  /** Parsed headers by exact value; 5 000 by default (real traffic repeats few distinct values). */
  readonly cache?: LruCache<string, AcceptLanguage>
}

export type AcceptLanguageParser = (header: string | undefined) => AcceptLanguage

/** Browsers send under 100 characters; 512 leaves room for long manual lists. */
export const MAX_ACCEPT_LANGUAGE = 512
export const MAX_LANGUAGES = 16
/** The longest well-formed tag worth keeping (RFC 5646 suggests 35 for the common forms). */
const MAX_TAG = 35

const EMPTY: AcceptLanguage = Object.freeze({ languages: Object.freeze([]), primary: null, language: null, region: null, rejected: Object.freeze([]) })

/**
 * Accept-Language parsing, bounded and validated: every tag goes through
 * `Intl.getCanonicalLocales` (inside try/catch — it throws on invalid tags), so what
 * reaches a fingerprint is canonical (`EN-us` and `en-US` are one) and never raw input.
 * Cached per header value since Intl calls cost microseconds.
 */
export function createAcceptLanguageParser(options: AcceptLanguageParserOptions = {}): AcceptLanguageParser {
  const cache = options.cache ?? new LruCache<string, AcceptLanguage>({ max: 5_000 })
  return (header) => {
    // typeof: replayed events are JSON and may hold anything.
    if (typeof header !== 'string' || header === '') return EMPTY
    if (header.length > MAX_ACCEPT_LANGUAGE) {
      // Not cached: an attacker's long values would only evict real ones.
      return Object.freeze({ ...EMPTY, rejected: Object.freeze([Object.freeze({ value: header.slice(0, 32), reason: 'oversized' as const })]) })
    }
    const hit = cache.get(header)
    if (hit !== undefined) return hit
    const parsed = parse(header)
    cache.set(header, parsed)
    return parsed
  }
}

/** The process-wide parser. */
export const parseAcceptLanguage: AcceptLanguageParser = createAcceptLanguageParser()

function parse(header: string): AcceptLanguage {
  const entries: Array<LanguagePreference & { index: number }> = []
  const rejected: Array<{ value: string; reason: AcceptLanguageRejection }> = []
  const seen = new Set<string>()
  const items = header.split(',')
  let count = 0
  for (const item of items) {
    const raw = item.trim()
    if (raw === '') continue
    if (++count > MAX_LANGUAGES) {
      rejected.push({ value: raw.slice(0, 32), reason: 'too_many' })
      break
    }
    const semicolon = raw.indexOf(';')
    const tagText = (semicolon === -1 ? raw : raw.slice(0, semicolon)).trim()
    const q = semicolon === -1 ? 1 : quality(raw.slice(semicolon + 1))
    if (q === null) {
      rejected.push({ value: raw.slice(0, 32), reason: 'invalid_quality' })
      continue
    }
    if (tagText === '*') continue
    const tag = canonicalTag(tagText)
    if (tag === null) {
      rejected.push({ value: tagText.slice(0, 32), reason: 'invalid_tag' })
      continue
    }
    if (q === 0 || seen.has(tag)) continue
    seen.add(tag)
    entries.push({ tag, q, index: entries.length })
  }
  entries.sort((a, b) => b.q - a.q || a.index - b.index)
  const languages = entries.map(({ tag, q }) => Object.freeze({ tag, q }))
  const primary = languages[0]?.tag ?? null
  let language: string | null = null
  let region: string | null = null
  if (primary !== null) {
    const locale = new Intl.Locale(primary)
    language = locale.language
    region = locale.region ?? null
  }
  return Object.freeze({
    languages: Object.freeze(languages),
    primary,
    language,
    region,
    rejected: Object.freeze(rejected.map((r) => Object.freeze(r))),
  })
}

/** RFC 9110 qvalue after the `;`: `q=0.8`, `q=1.000`; null when malformed. Other parameters are not defined for this header. */
function quality(params: string): number | null {
  const text = params.trim()
  if (text.length < 3 || (text[0] !== 'q' && text[0] !== 'Q') || text[1] !== '=') return null
  const value = text.slice(2)
  if (value.length > 5) return null
  const first = value[0]
  if (first !== '0' && first !== '1') return null
  if (value.length > 1) {
    if (value[1] !== '.') return null
    for (let i = 2; i < value.length; i++) {
      const c = value.charCodeAt(i)
      if (c < 48 || c > 57) return null
      if (first === '1' && c !== 48) return null
    }
  }
  return Number(value)
}

function canonicalTag(text: string): string | null {
  if (text.length === 0 || text.length > MAX_TAG) return null
  // Cheap pre-check so Intl never sees odd characters: letters, digits and hyphens only.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45
    if (!ok) return null
  }
  try {
    return Intl.getCanonicalLocales(text)[0] ?? null
  } catch {
    return null
  }
}
