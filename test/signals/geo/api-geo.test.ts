import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../../src/errors.js'
import { API_CONFIDENCE, ApiGeo, parseCommonProviders } from '../../../src/signals/geo/api-geo.js'
import { CircuitBreaker } from '../../../src/signals/geo/circuit-breaker.js'

type Handler = (req: IncomingMessage, res: ServerResponse) => void

let server: Server
let base: string
let handler: Handler
const seen: string[] = []
const json = (body: unknown): Handler => (_req, res) => {
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify(body))
}

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? '')
    handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})
afterEach(() => {
  seen.length = 0
})

function setup(overrides: Partial<ConstructorParameters<typeof ApiGeo>[0]> = {}) {
  let t = 1_000_000
  const errors: Error[] = []
  const api = new ApiGeo({
    url: `${base}/json/{ip}?fields=all`,
    timeoutMs: 1_000,
    cacheTtlMs: 60_000,
    now: () => t,
    onError: (e) => errors.push(e),
    ...overrides,
  })
  return { api, errors, advance: (ms: number) => (t += ms) }
}

const ipApiBody = { status: 'success', countryCode: 'IT', regionName: 'Sicily', city: 'Palermo', lat: 38.1157, lon: 13.3615 }

describe('ApiGeo', () => {
  it('never waits: the first peek is null and starts a call; later peeks read the cache', async () => {
    handler = json(ipApiBody)
    const { api } = setup()
    expect(api.peek('prefixA', '93.45.12.7')).toBeNull()
    await api.idle()
    expect(seen).toEqual(['/json/93.45.12.7?fields=all'])
    expect(api.peek('prefixA', '93.45.12.8')).toEqual({
      country: 'IT', region: 'Sicily', city: 'Palermo', latitude: 38.1157, longitude: 13.3615, source: 'api', confidence: API_CONFIDENCE,
    })
    // same network prefix: no second call
    await api.idle()
    expect(seen).toHaveLength(1)
  })

  it('joins concurrent requests for one prefix into one call', async () => {
    handler = json(ipApiBody)
    const { api } = setup()
    for (let i = 0; i < 20; i++) api.peek('prefixB', `93.45.12.${i}`)
    await api.idle()
    expect(seen).toHaveLength(1)
  })

  it('serves a stale answer while refreshing it', async () => {
    handler = json(ipApiBody)
    const { api, advance } = setup()
    await api.refresh('p', '93.45.12.7')
    advance(60_001)
    handler = json({ ...ipApiBody, city: 'Catania' })
    expect(api.peek('p', '93.45.12.7')?.city).toBe('Palermo')
    await api.idle()
    expect(api.peek('p', '93.45.12.7')?.city).toBe('Catania')
  })

  it('encodes the address into the URL', async () => {
    handler = json(ipApiBody)
    const { api } = setup()
    await api.refresh('v6', '2001:db8::1')
    expect(seen).toEqual(['/json/2001%3Adb8%3A%3A1?fields=all'])
  })

  it('caches "no answer" and retries it later', async () => {
    handler = json({ status: 'fail', message: 'private range' })
    const { api, advance } = setup()
    expect(await api.refresh('priv', '10.0.0.1')).toBeNull()
    api.peek('priv', '10.0.0.1')
    await api.idle()
    expect(seen).toHaveLength(1)
    advance(60_001)
    api.peek('priv', '10.0.0.1')
    await api.idle()
    expect(seen).toHaveLength(2)
  })

  it('times out slow providers (GEO_API_TIMEOUT) and reports the failure', async () => {
    handler = (_req, res) => {
      setTimeout(() => json(ipApiBody)(_req, res), 2_000).unref()
    }
    const { api, errors } = setup({ timeoutMs: 50 })
    expect(await api.refresh('slow', '93.45.12.7')).toBeNull()
    expect(errors).toHaveLength(1)
    expect(errors[0]!.name).toMatch(/TimeoutError|AbortError/)
  })

  it.each([
    ['HTTP 500', ((_req, res) => { res.statusCode = 500; res.end('boom') }) as Handler],
    ['invalid JSON', ((_req, res) => res.end('{not json')) as Handler],
    ['oversized body', ((_req, res) => res.end(JSON.stringify({ countryCode: 'IT', pad: 'x'.repeat(100_000) }))) as Handler],
    ['oversized chunked body', ((_req, res) => {
      res.write('{"countryCode":"IT","pad":"')
      for (let i = 0; i < 10; i++) res.write('x'.repeat(10_000))
      res.end('"}')
    }) as Handler],
    ['a redirect', ((_req, res) => { res.statusCode = 302; res.setHeader('location', 'http://127.0.0.1:1/'); res.end() }) as Handler],
  ])('survives %s', async (_name, h) => {
    handler = h
    const { api, errors } = setup()
    expect(await api.refresh('bad', '93.45.12.7')).toBeNull()
    expect(errors).toHaveLength(1)
    expect(api.peek('bad', '93.45.12.7')).toBeNull()
  })

  it('keeps the previous answer when a refresh fails', async () => {
    handler = json(ipApiBody)
    const { api, advance } = setup()
    await api.refresh('keep', '93.45.12.7')
    advance(60_001)
    handler = (_req, res) => { res.statusCode = 503; res.end() }
    expect(await api.refresh('keep', '93.45.12.7')).toMatchObject({ city: 'Palermo' })
    expect(api.peek('keep', '93.45.12.7')).toMatchObject({ city: 'Palermo' })
  })

  it('stops calling a failing provider (circuit breaker) and tries again after the cool-down', async () => {
    handler = (_req, res) => { res.statusCode = 500; res.end() }
    let t = 0
    const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 10_000, now: () => t })
    const api = new ApiGeo({ url: `${base}/{ip}`, timeoutMs: 1_000, cacheTtlMs: 60_000, now: () => t, breaker })
    for (let i = 0; i < 3; i++) await api.refresh(`p${i}`, `198.51.100.${i}`)
    expect(api.circuitState).toBe('open')
    for (let i = 3; i < 10; i++) api.peek(`p${i}`, `198.51.100.${i}`)
    await api.idle()
    expect(seen).toHaveLength(3)
    t += 10_000
    handler = json(ipApiBody)
    api.peek('p10', '198.51.100.10')
    api.peek('p11', '198.51.100.11') // only one trial while half-open
    await api.idle()
    expect(seen).toHaveLength(4)
    expect(api.circuitState).toBe('closed')
  })

  it('bounds the calls in flight', async () => {
    const pending: ServerResponse[] = []
    handler = (_req, res) => pending.push(res)
    const { api } = setup({ maxInFlight: 2 })
    for (let i = 0; i < 10; i++) api.peek(`q${i}`, `198.51.100.${i}`)
    await new Promise((r) => setTimeout(r, 100))
    expect(seen).toHaveLength(2)
    for (const res of pending) json(ipApiBody)({} as IncomingMessage, res)
    await api.idle()
  })

  it('refuses a GEO_API_URL that is not http(s) or lacks {ip}', () => {
    for (const url of ['ftp://x/{ip}', 'not a url', `${base}/json`, 'file:///etc/passwd?{ip}']) {
      expect(() => new ApiGeo({ url, timeoutMs: 1, cacheTtlMs: 1, now: Date.now }), url).toThrow(AppError)
    }
  })
})

describe('parseCommonProviders', () => {
  it.each([
    ['ip-api', ipApiBody, { country: 'IT', region: 'Sicily', city: 'Palermo', latitude: 38.1157, longitude: 13.3615 }],
    ['ipapi.co', { country_code: 'DE', region: 'Bavaria', city: 'Munich', latitude: 48.13, longitude: 11.57 }, { country: 'DE', region: 'Bavaria', city: 'Munich', latitude: 48.13, longitude: 11.57 }],
    ['ipinfo', { country: 'FR', region: 'Île-de-France', city: 'Paris', loc: '48.8534,2.3488' }, { country: 'FR', region: 'Île-de-France', city: 'Paris', latitude: 48.8534, longitude: 2.3488 }],
    ['geoip2 json', { country: { iso_code: 'es' }, city: { names: { en: 'Madrid' } } }, { country: 'ES', region: null, city: 'Madrid' }],
  ])('reads %s', (_name, body, expected) => {
    expect(parseCommonProviders(body)).toEqual(expected)
  })

  it('refuses failures and nonsense', () => {
    for (const body of [null, 'IT', [], {}, { status: 'fail', countryCode: 'IT' }, { success: false, country_code: 'IT' }, { country: 'Italy' }, { countryCode: 'I1' }]) {
      expect(parseCommonProviders(body), JSON.stringify(body)).toBeNull()
    }
  })

  it('cleans provider text and bad coordinates', () => {
    expect(parseCommonProviders({ countryCode: 'IT', city: `Pal\u0000ermo${'x'.repeat(500)}`, lat: 200, lon: 1 })).toEqual({
      country: 'IT', region: null, city: `Palermo${'x'.repeat(121)}`,
    })
  })
})
