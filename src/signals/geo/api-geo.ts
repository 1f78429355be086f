import { AppError } from '../../errors.js'
import { LruCache } from '../lru-cache.js'
import { CircuitBreaker } from './circuit-breaker.js'
import type { GeoResult } from './geo-result.js'

/** Seed 002: external APIs 85. */
export const API_CONFIDENCE = 85

/** What a response mapper returns; the tier adds source and confidence. */
export type ApiGeoFields = Pick<GeoResult, 'country' | 'region' | 'city' | 'latitude' | 'longitude'>

export interface ApiGeoOptions {
  /** GEO_API_URL: http(s) URL with an `{ip}` placeholder, e.g. `https://geo.example/json/{ip}`. */
  readonly url: string
  /** GEO_API_TIMEOUT (ms) for the whole call, body included. */
  readonly timeoutMs: number
  /** GEO_CACHE_DURATION (ms): how long an answer is fresh. */
  readonly cacheTtlMs: number
  readonly now: () => number
  /** Answers per network prefix hash; 50 000 by default. */
  readonly cache?: LruCache<string, CachedAnswer>
  readonly breaker?: CircuitBreaker
  /** Concurrent calls at most; lookups beyond it are not started (a later request asks again). 4 by default. */
  readonly maxInFlight?: number
  /** Injected for tests; the global fetch by default. */
  readonly fetch?: typeof fetch
  /** Maps the provider's JSON; the default understands the common providers' field names. */
  readonly parse?: (body: unknown) => ApiGeoFields | null
  /** Told about each failed call (logs, metrics); never on the request path. */
  readonly onError?: (error: Error) => void
}

export interface CachedAnswer {
  readonly result: GeoResult | null
  /** When this answer stops being fresh. */
  readonly freshUntil: number
}

/** Bodies larger than this are not a geo answer. */
const MAX_BODY = 64 * 1024
/** A failed call is retried for the same prefix after this long (the breaker handles an API that is down). */
const RETRY_AFTER_ERROR_MS = 60_000
/** "The API does not know" is asked again sooner than a real answer. */
const NO_ANSWER_TTL_MS = 3_600_000

/**
 * The optional external geo API. It is never awaited on the redirect path: `peek`
 * answers from the cache synchronously and, on a miss or a stale entry, starts a
 * background call whose answer serves later requests from the same network. A stale
 * answer is served while it is refreshed.
 *
 * Keys are network prefix hashes, never addresses; the raw address lives only in the
 * URL of the call in flight. Calls are bounded (maxInFlight, one per prefix, the
 * circuit breaker, GEO_API_TIMEOUT, MAX_BODY), and every error is swallowed and reported
 * to `onError`: a geo provider's failure must never cost a redirect.
 */
export class ApiGeo {
  private readonly template: string
  private readonly timeoutMs: number
  private readonly cacheTtlMs: number
  private readonly now: () => number
  private readonly cache: LruCache<string, CachedAnswer>
  private readonly breaker: CircuitBreaker
  private readonly maxInFlight: number
  private readonly fetchFn: typeof fetch
  private readonly parse: (body: unknown) => ApiGeoFields | null
  private readonly onError: (error: Error) => void
  private readonly inFlight = new Map<string, Promise<GeoResult | null>>()

  constructor(options: ApiGeoOptions) {
    let url: URL
    try {
      url = new URL(options.url.replaceAll('{ip}', '0.0.0.0'))
    } catch {
      throw new AppError('VALIDATION_FAILED', 'GEO_API_URL must be an absolute http(s) URL')
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !options.url.includes('{ip}')) {
      throw new AppError('VALIDATION_FAILED', 'GEO_API_URL must be an http(s) URL containing {ip}')
    }
    this.template = options.url
    this.timeoutMs = options.timeoutMs
    this.cacheTtlMs = options.cacheTtlMs
    this.now = options.now
    this.cache = options.cache ?? new LruCache<string, CachedAnswer>({ max: 50_000, now: options.now })
    this.breaker = options.breaker ?? new CircuitBreaker({ now: options.now })
    this.maxInFlight = options.maxInFlight ?? 4
    this.fetchFn = options.fetch ?? fetch
    this.parse = options.parse ?? parseCommonProviders
    this.onError = options.onError ?? (() => {})
  }

  get circuitState(): CircuitBreaker['state'] {
    return this.breaker.state
  }

  /**
   * The cached answer for this network (null when none yet or the API had none) —
   * synchronous. Schedules a background call when the entry is missing or stale.
   */
  peek(prefixHash: string, ip: string): GeoResult | null {
    const cached = this.cache.get(prefixHash)
    if (cached === undefined || cached.freshUntil <= this.now()) this.schedule(prefixHash, ip)
    return cached?.result ?? null
  }

  /** Starts (or joins) the call for this prefix and returns its outcome; for warm-up and tests. */
  refresh(prefixHash: string, ip: string): Promise<GeoResult | null> {
    return this.schedule(prefixHash, ip) ?? Promise.resolve(this.cache.peek(prefixHash)?.result ?? null)
  }

  /** Resolves when every call in flight has settled (tests, graceful shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()])
  }

  private schedule(prefixHash: string, ip: string): Promise<GeoResult | null> | null {
    const running = this.inFlight.get(prefixHash)
    if (running !== undefined) return running
    if (this.inFlight.size >= this.maxInFlight || !this.breaker.tryAcquire()) return null
    const call = this.call(prefixHash, ip).finally(() => this.inFlight.delete(prefixHash))
    this.inFlight.set(prefixHash, call)
    return call
  }

  private async call(prefixHash: string, ip: string): Promise<GeoResult | null> {
    try {
      const fields = this.parse(await this.fetchJson(ip))
      this.breaker.recordSuccess()
      const result: GeoResult | null = fields === null ? null : { ...fields, source: 'api', confidence: API_CONFIDENCE }
      const ttl = result === null ? Math.min(this.cacheTtlMs, NO_ANSWER_TTL_MS) : this.cacheTtlMs
      this.store(prefixHash, result, ttl)
      return result
    } catch (err) {
      this.breaker.recordFailure()
      // Keep serving what we had (stale beats nothing); only retry this prefix later.
      const previous = this.cache.peek(prefixHash)?.result ?? null
      this.store(prefixHash, previous, RETRY_AFTER_ERROR_MS)
      this.onError(err instanceof Error ? err : new Error(String(err)))
      return previous
    }
  }

  private store(prefixHash: string, result: GeoResult | null, freshFor: number): void {
    // Entries outlive freshness (served stale while refreshed) but not forever.
    this.cache.set(prefixHash, { result, freshUntil: this.now() + freshFor }, freshFor + this.cacheTtlMs)
  }

  private async fetchJson(ip: string): Promise<unknown> {
    const url = this.template.replaceAll('{ip}', encodeURIComponent(ip))
    const signal = AbortSignal.timeout(this.timeoutMs)
    const response = await this.fetchFn(url, { signal, headers: { accept: 'application/json' }, redirect: 'error' })
    if (!response.ok) {
      await response.body?.cancel().catch(() => {})
      throw new Error(`geo API answered ${response.status}`)
    }
    const declared = Number(response.headers.get('content-length') ?? '0')
    if (declared > MAX_BODY) {
      await response.body?.cancel().catch(() => {})
      throw new Error('geo API body too large')
    }
    return JSON.parse(await readBounded(response))
  }
}

async function readBounded(response: Response): Promise<string> {
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > MAX_BODY) {
      await reader.cancel().catch(() => {})
      throw new Error('geo API body too large')
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

type AnyRecord = Record<string, unknown>

/**
 * Field names of the usual providers: ip-api (`countryCode`, `regionName`, `lat`),
 * ipapi.co / ipwho.is (`country_code`, `region`, `latitude`), ipinfo (`country`,
 * `region`, `loc: "lat,lon"`), GeoIP2-shaped JSON (`country.iso_code`, `city.names.en`).
 * Null when the body has no two-letter country or says it failed.
 */
export function parseCommonProviders(body: unknown): ApiGeoFields | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null
  const b = body as AnyRecord
  if (b.status === 'fail' || b.success === false || b.error === true) return null
  const countryObject = b.country !== null && typeof b.country === 'object' ? (b.country as AnyRecord) : null
  const country = firstString(b.countryCode, b.country_code, countryObject?.iso_code, b.country)
  if (country === null || !/^[A-Za-z]{2}$/.test(country)) return null
  const cityObject = b.city !== null && typeof b.city === 'object' ? ((b.city as AnyRecord).names as AnyRecord | undefined) : undefined
  const region = firstString(b.regionName, b.region_name, b.region, b.state)
  const city = firstString(b.city, cityObject?.en)
  let latitude = firstNumber(b.lat, b.latitude)
  let longitude = firstNumber(b.lon, b.lng, b.longitude)
  if ((latitude === null || longitude === null) && typeof b.loc === 'string') {
    const [lat, lon] = b.loc.split(',').map(Number)
    if (Number.isFinite(lat) && Number.isFinite(lon)) {
      latitude = lat!
      longitude = lon!
    }
  }
  const located = latitude !== null && longitude !== null && Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180
  return {
    country: country.toUpperCase(),
    region: bounded(region),
    city: bounded(city),
    ...(located ? { latitude: latitude!, longitude: longitude! } : {}),
  }
}

function firstString(...values: unknown[]): string | null {
  for (const v of values) if (typeof v === 'string' && v.trim() !== '') return v.trim()
  return null
}

function firstNumber(...values: unknown[]): number | null {
  for (const v of values) {
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v
    if (typeof n === 'number' && Number.isFinite(n)) return n
  }
  return null
}

/** Provider text ends up in the dashboard: cap it and drop control characters. */
function bounded(text: string | null): string | null {
  if (text === null) return null
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 128)
  return clean === '' ? null : clean
}
