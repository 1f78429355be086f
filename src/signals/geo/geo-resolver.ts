import type { HeaderRecord } from '../header-record.js'
import { LruCache } from '../lru-cache.js'
import { edgeHeadersGeo } from './edge-headers-geo.js'
import { GEO_SOURCE_STRENGTH, type GeoResult } from './geo-result.js'
import { inferenceGeo } from './inference-geo.js'

/** The slice of DatabaseGeo the resolver needs. */
export interface GeoDatabase {
  lookup(ip: string): GeoResult | null
}

/** The slice of ApiGeo the resolver needs: a synchronous, never-waiting read. */
export interface GeoApi {
  peek(prefixHash: string, ip: string): GeoResult | null
}

export interface GeoResolverOptions {
  readonly database?: GeoDatabase | null
  readonly api?: GeoApi | null
  /** GEO_CACHE_DURATION (ms); 0 turns the cache off. */
  readonly cacheTtlMs: number
  readonly now: () => number
  /** Database answers per network prefix hash; 100 000 entries by default. */
  readonly cache?: LruCache<string, GeoResult | null>
}

export interface GeoRequest {
  /** Canonical client address; read by the database and passed to the API call, never stored. */
  readonly ip: string
  /** Keyed hash of the address's /24 or /64 (ip-hash.ts): the cache key. */
  readonly prefixHash: string
  readonly headers: HeaderRecord
  /** Whether the TCP peer is a trusted proxy (only then are edge headers believed). */
  readonly peerTrusted: boolean
  /** Region subtag of the primary Accept-Language tag. */
  readonly languageRegion: string | null
  /** Canonical X-Timezone. */
  readonly timezone: string | null
}

/**
 * Seed 002's tiers, strongest first: trusted edge headers (95) → local database (80) →
 * external API (85, only ever read from its cache here) → inference from language and
 * zone (≤ 60). The first tier with an answer wins; the database comes before the API so
 * the API (slow, maybe paid) is asked only about networks the database does not know.
 *
 * The database's answers are cached per network prefix *hash* for GEO_CACHE_DURATION,
 * so neither the cache nor anything derived from it holds an address. Synchronous: it
 * runs inside the redirect.
 */
export class GeoResolver {
  private readonly database: GeoDatabase | null
  private readonly api: GeoApi | null
  private readonly cache: LruCache<string, GeoResult | null> | null

  constructor(options: GeoResolverOptions) {
    this.database = options.database ?? null
    this.api = options.api ?? null
    this.cache =
      options.cacheTtlMs > 0 ? (options.cache ?? new LruCache<string, GeoResult | null>({ max: 100_000, ttl: options.cacheTtlMs, now: options.now })) : null
  }

  resolve(request: GeoRequest): GeoResult | null {
    const edge = edgeHeadersGeo(request.headers, request.peerTrusted)
    if (edge !== null) return edge
    const network = this.fromDatabase(request) ?? this.api?.peek(request.prefixHash, request.ip) ?? null
    if (network !== null) return network
    return inferenceGeo({ languageRegion: request.languageRegion, timezone: request.timezone })
  }

  private fromDatabase(request: GeoRequest): GeoResult | null {
    if (this.database === null) return null
    if (this.cache === null) return this.database.lookup(request.ip)
    const cached = this.cache.get(request.prefixHash)
    if (cached !== undefined) return cached
    const result = this.database.lookup(request.ip)
    // "No answer" (private ranges, unknown blocks) is cached too: it is just as stable.
    this.cache.set(request.prefixHash, result)
    return result
  }
}

export interface StabiliseOptions {
  /** How long ago the previous answer was seen, in ms. */
  readonly previousAgeMs?: number
  /** Past this age the previous answer no longer holds a device in place; 7 days by default. */
  readonly staleAfterMs?: number
}

const WEEK = 7 * 24 * 3_600_000

/**
 * One device, one place. Seed 002's "Sicily vs Lazio, Palermo vs Rome" problem: a mobile
 * carrier moves a phone between gateways in different regions, and each click's
 * database answer flips. Per device the previous answer is kept unless
 * - the new one comes from a stronger source (edge over database over inference), or
 * - it names another country with higher confidence, or
 * - it completes the previous one (same country and source strength, and the previous
 *   had no city), or
 * - the previous one is older than `staleAfterMs` (people do move and travel).
 * Equal evidence for a different region or city is noise, not a move.
 */
export function stabilise(previous: GeoResult | null | undefined, next: GeoResult | null, options: StabiliseOptions = {}): GeoResult | null {
  if (previous === null || previous === undefined || previous.country === null) return next ?? previous ?? null
  if (next === null || next.country === null) return previous
  if (options.previousAgeMs !== undefined && options.previousAgeMs >= (options.staleAfterMs ?? WEEK)) return next
  const before = GEO_SOURCE_STRENGTH[previous.source]
  const after = GEO_SOURCE_STRENGTH[next.source]
  if (next.country === previous.country) {
    if (after > before) return next
    if (after === before && previous.city === null && next.city !== null) return next
    return previous
  }
  return next.confidence > previous.confidence ? next : previous
}
