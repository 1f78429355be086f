import type { ImportColumn, ImportRow } from './import-row.js'

type Fields = ImportRow['fields']
type Record_ = Readonly<Record<string, unknown>>

/**
 * How another shortener's export becomes import lines: the file's format and, per record,
 * linkprint's fields. Their domains are not carried over (they are the other service's);
 * `links import --domain` puts every link on one of ours. docs/import.md has the mapping.
 */
export interface ImportReader {
  readonly format: 'csv' | 'ndjson' | 'json'
  /** Null: linkprint's own columns, checked strictly (an unknown column is an error). */
  readonly fieldsOf: ((record: Record_) => Fields) | null
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : typeof value === 'number' ? String(value) : undefined)

/** The path of a short URL, or the text itself when it is a bare back-half ("bit.ly/abc" → "abc"). */
function backHalf(value: unknown): string | undefined {
  const t = text(value)
  if (t === undefined) return undefined
  const withoutScheme = t.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
  const slash = withoutScheme.indexOf('/')
  const path = slash === -1 ? withoutScheme : withoutScheme.slice(slash + 1)
  return path.replace(/^\/+|\/+$/g, '') || undefined
}

function tagsOf(value: unknown, separator: RegExp): string | string[] | undefined {
  if (Array.isArray(value)) return value.filter((t): t is string => typeof t === 'string')
  const t = text(value)
  return t === undefined ? undefined : t.split(separator).map((s) => s.trim()).filter((s) => s !== '')
}

function fields(entries: Partial<Record<ImportColumn, unknown>>): Fields {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as Fields
}

export const IMPORT_READERS = {
  linkprint: { format: 'csv', fieldsOf: null },
  'linkprint-ndjson': { format: 'ndjson', fieldsOf: null },
  /** Bitly's link export (API v4 bitlink fields): long_url, link or id, custom_bitlinks, tags. */
  bitly: {
    format: 'csv',
    fieldsOf: (r) => {
      const custom = tagsOf(r.custom_bitlinks, /[,|]/)
      const firstCustom = Array.isArray(custom) ? custom[0] : undefined
      return fields({ url: text(r.long_url), slug: backHalf(firstCustom ?? r.link ?? r.id), tags: tagsOf(r.tags, /[,|]/) })
    },
  },
  /** Shlink's web client CSV: createdAt, domain, shortCode, shortUrl, longUrl, title, tags ("a|b"), visits. */
  shlink: {
    format: 'csv',
    fieldsOf: (r) => fields({ url: text(r.longUrl), slug: text(r.shortCode) ?? backHalf(r.shortUrl), tags: tagsOf(r.tags, /\|/) }),
  },
  /** Kutt's API v2 links (GET /api/v2/links `data`): address, target, expire_in; a JSON file or one link a line. */
  kutt: {
    format: 'json',
    fieldsOf: (r) => fields({ url: text(r.target), slug: text(r.address), expiresAt: futureIso(r.expire_in) }),
  },
  /** YOURLS' yourls_url table as CSV with its header: keyword, url, title, timestamp, ip, clicks. */
  yourls: {
    format: 'csv',
    fieldsOf: (r) => fields({ url: text(r.url), slug: text(r.keyword) }),
  },
} as const satisfies Record<string, ImportReader>

export type ImportReaderName = keyof typeof IMPORT_READERS

/** An expiry as ISO 8601 when it is one in the future; a past one is dropped (the link would be refused). */
function futureIso(value: unknown): string | undefined {
  const t = text(value)
  if (t === undefined) return undefined
  const ms = Date.parse(t)
  return Number.isFinite(ms) && ms > Date.now() ? new Date(ms).toISOString() : undefined
}
