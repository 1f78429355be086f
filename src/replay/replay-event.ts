import { isIP } from 'node:net'

const MIN_TS = Date.UTC(2000, 0, 1)
const MAX_TS = Date.UTC(2100, 0, 1)

export interface ReplayLink {
  type: 'link'
  slug: string
  url: string
}

export interface ReplayClick {
  type: 'click'
  id: string
  ts: number
  method: 'GET' | 'HEAD'
  path: string
  ip: string
  jar: string | null
  headers: Record<string, string>
}

export type ReplayEvent = ReplayLink | ReplayClick

const MAX_HEADERS = 64
const MAX_HEADER_VALUE = 8192

/**
 * One line of a replay file (docs/contracts.md, "Replay"), checked field by field: a recorded
 * file is input like any other, and a bad line is reported, never half-applied.
 */
export function parseReplayEvent(line: string): ReplayEvent | { error: string } {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return { error: 'not JSON' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'not an object' }
  const e = value as Record<string, unknown>
  if (e.type === 'link') {
    if (typeof e.slug !== 'string' || typeof e.url !== 'string') return { error: 'a link needs string "slug" and "url"' }
    return { type: 'link', slug: e.slug, url: e.url }
  }
  if (e.type !== 'click') return { error: `unknown type ${JSON.stringify(e.type)}` }
  if (typeof e.id !== 'string' || e.id.length === 0 || e.id.length > 200) return { error: 'a click needs a string "id"' }
  // The replay format writes ISO 8601; epoch milliseconds, what most recorders keep, mean the same instant.
  const ts = typeof e.ts === 'string' ? Date.parse(e.ts) : typeof e.ts === 'number' && Number.isInteger(e.ts) ? e.ts : NaN
  if (!Number.isFinite(ts) || ts < 0) return { error: `"ts" must be an ISO 8601 time or epoch milliseconds` }
  // A time no click can have (1e300 ms): stored, it broke the link's export at that row.
  if (ts < MIN_TS || ts >= MAX_TS) return { error: `"ts" must be between 2000 and 2100` }
  const method = typeof e.method === 'string' ? e.method.toUpperCase() : 'GET'
  if (method !== 'GET' && method !== 'HEAD') return { error: '"method" must be GET or HEAD' }
  if (typeof e.path !== 'string' || !e.path.startsWith('/') || e.path.length > 2100) return { error: '"path" must be an absolute path' }
  if (typeof e.ip !== 'string' || isIP(e.ip.replace(/^\[|\]$/g, '')) === 0) return { error: '"ip" must be an IP address' }
  if (e.jar !== undefined && e.jar !== null && typeof e.jar !== 'string') return { error: '"jar" must be a string' }
  const headers: Record<string, string> = {}
  if (e.headers !== undefined) {
    if (typeof e.headers !== 'object' || e.headers === null || Array.isArray(e.headers)) return { error: '"headers" must be an object' }
    const entries = Object.entries(e.headers as Record<string, unknown>)
    if (entries.length > MAX_HEADERS) return { error: `more than ${MAX_HEADERS} headers` }
    for (const [name, v] of entries) {
      if (typeof v !== 'string' || v.length > MAX_HEADER_VALUE || /[\r\n\0]/.test(v) || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return { error: `header ${JSON.stringify(name)} is not a valid header` }
      const lower = name.toLowerCase()
      // The jar supplies cookies; a recorded Cookie header would bypass it.
      if (lower !== 'cookie' && lower !== 'host' && lower !== 'content-length') headers[lower] = v
    }
  }
  return { type: 'click', id: e.id, ts, method, path: e.path, ip: e.ip.replace(/^\[|\]$/g, ''), jar: (e.jar as string | undefined) ?? null, headers }
}
