import type { IdentitySignals } from '../identity/identity-signals.js'
import type { GeoResult, GeoSource } from '../signals/geo/geo-result.js'
import { clientHintsOf, HINT_HEADERS, parseUserAgent, type ClientHints } from '../signals/user-agent.js'
import type { NewClick } from '../storage/storage.js'

/** The columns of a stored click that a recomputation reads. */
export type StoredClick = Pick<
  NewClick,
  'link_id' | 'ts' | 'ip_hash' | 'ip_prefix_hash' | 'user_agent' | 'is_bot' | 'identity_source' | 'fingerprint_id' | 'sdk_device_hash' | 'sdk_browser_hash' | 'signals'
>

/** The `signals` JSON that click-record.ts writes for every human click. */
interface SignalsJson {
  mode?: string
  language?: string | null
  timezone?: string | null
  accept?: string | null
  /** Absent on clicks stored before it was recorded; inferred then (see cookieOf). */
  cookie?: 'verified' | 'issued' | null
  hints?: Record<string, unknown>
  geo?: { country: string | null; region: string | null; city: string | null; source: GeoSource; confidence: number } | null
}

/**
 * The identity engine's input for a click as it was stored: hashed addresses, the user
 * agent and client hints (parsed again, so a newer parser's reading is used), language,
 * time zone, Accept, the geo answer the click got (the address it came from is not
 * kept, so geo cannot be asked again), the SDK hashes and the cookie id. This is what
 * the migration job recomputes from; test/decisions/stored-click-signals.test.ts checks
 * that it equals what the live pipeline gave the engine, so a signal added to the
 * pipeline and not stored fails there. Null for bots and for clicks stored without
 * signals (before the identity engine existed).
 */
export function identitySignalsOfStoredClick(click: StoredClick): IdentitySignals | null {
  if (click.is_bot !== 0 || click.signals === null) return null
  let s: SignalsJson
  try {
    s = JSON.parse(click.signals) as SignalsJson
  } catch {
    return null
  }
  if (typeof s !== 'object' || s === null) return null
  const cookie = cookieOf(click, s)
  const userAgent = click.user_agent ?? ''
  return {
    ts: Number(click.ts),
    linkId: Number(click.link_id),
    ipHash: click.ip_hash,
    prefixHash: click.ip_prefix_hash,
    cookieId: cookie === 'verified' ? click.fingerprint_id : null,
    newCookieId: cookie === 'issued' ? click.fingerprint_id : null,
    sdkDevice: click.sdk_device_hash,
    sdkBrowser: click.sdk_browser_hash,
    timezone: s.timezone ?? null,
    ua: parseUserAgent(userAgent, hintsOf(s.hints)),
    userAgent,
    language: s.language ?? null,
    accept: s.accept ?? null,
    geo: geoOf(s.geo),
  }
}

/**
 * Whether the click's key was a returning browser's cookie, a cookie issued with this
 * click, or neither (strict privacy: no cookie, the engine keys the session). Older
 * clicks did not record it, but it follows from what they did record: outside strict
 * mode every human click has a cookie, and only a returning one is the `cookie` source.
 */
function cookieOf(click: StoredClick, s: SignalsJson): 'verified' | 'issued' | null {
  if (click.fingerprint_id === null) return null
  if (s.cookie !== undefined) return s.cookie
  if (s.mode === 'strict') return null
  return click.identity_source === 'cookie' ? 'verified' : 'issued'
}

/**
 * Client hints as stored: the parsed `ClientHints` (secChUa, …), or on older clicks the
 * raw `sec-ch-ua*` headers. Only string values count, as when the request was read.
 * (Also the engine's reload, identity-state-loader.ts, reads a context's kind of device from them.)
 */
export function hintsOf(stored: Record<string, unknown> | undefined): ClientHints {
  const strings: Record<string, string> = {}
  for (const [name, value] of Object.entries(stored ?? {})) if (typeof value === 'string') strings[name] = value
  if (Object.keys(strings).some((name) => name.startsWith('sec-ch-ua'))) return clientHintsOf(strings)
  const hints: Record<string, string> = {}
  for (const key of Object.keys(HINT_HEADERS)) if (strings[key] !== undefined) hints[key] = strings[key]
  return hints
}

function geoOf(geo: SignalsJson['geo']): GeoResult | null {
  if (!geo) return null
  return { country: geo.country, region: geo.region, city: geo.city, source: geo.source, confidence: geo.confidence }
}
