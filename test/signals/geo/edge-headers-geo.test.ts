import { describe, expect, it } from 'vitest'
import { EDGE_CONFIDENCE, edgeHeadersGeo } from '../../../src/signals/geo/edge-headers-geo.js'

describe('edgeHeadersGeo', () => {
  const vercel = {
    'x-vercel-ip-country': 'BR',
    'x-vercel-ip-country-region': 'SP',
    'x-vercel-ip-city': 'S%C3%A3o%20Paulo',
    'x-vercel-ip-latitude': '-23.5475',
    'x-vercel-ip-longitude': '-46.6361',
  }

  it('reads Vercel, decoding the URL-encoded city', () => {
    expect(edgeHeadersGeo(vercel, true)).toEqual({
      country: 'BR',
      region: 'SP',
      city: 'São Paulo',
      latitude: -23.5475,
      longitude: -46.6361,
      source: 'edge',
      confidence: EDGE_CONFIDENCE,
    })
    expect(EDGE_CONFIDENCE).toBe(95)
  })

  it('reads Cloudflare, with and without the visitor-location headers', () => {
    expect(edgeHeadersGeo({ 'cf-ipcountry': 'it' }, true)).toEqual({ country: 'IT', region: null, city: null, source: 'edge', confidence: 95 })
    expect(edgeHeadersGeo({ 'cf-ipcountry': 'IT', 'cf-region': 'Sicily', 'cf-region-code': '82', 'cf-ipcity': 'Palermo', 'cf-iplatitude': '38.1', 'cf-iplongitude': '13.36' }, true)).toEqual({
      country: 'IT', region: 'Sicily', city: 'Palermo', latitude: 38.1, longitude: 13.36, source: 'edge', confidence: 95,
    })
  })

  it('reads CloudFront', () => {
    expect(
      edgeHeadersGeo({ 'cloudfront-viewer-country': 'DE', 'cloudfront-viewer-country-region': 'BY', 'cloudfront-viewer-country-region-name': 'Bavaria', 'cloudfront-viewer-city': 'Munich' }, true),
    ).toMatchObject({ country: 'DE', region: 'Bavaria', city: 'Munich' })
  })

  it('ignores everything from an untrusted peer', () => {
    expect(edgeHeadersGeo(vercel, false)).toBeNull()
    expect(edgeHeadersGeo({ 'cf-ipcountry': 'IT' }, false)).toBeNull()
  })

  it('ignores unknown, Tor and malformed countries, falling through to the next platform', () => {
    expect(edgeHeadersGeo({ 'cf-ipcountry': 'XX' }, true)).toBeNull()
    expect(edgeHeadersGeo({ 'cf-ipcountry': 'T1' }, true)).toBeNull()
    for (const country of ['', 'ITA', 'I', '1T', '..', 'ü', ['IT', 'FR']]) {
      expect(edgeHeadersGeo({ 'x-vercel-ip-country': country }, true), JSON.stringify(country)).toBeNull()
    }
    expect(edgeHeadersGeo({ 'x-vercel-ip-country': 'zz1', 'cf-ipcountry': 'FR' }, true)?.country).toBe('FR')
  })

  it('never mixes platforms', () => {
    expect(edgeHeadersGeo({ 'x-vercel-ip-country': 'US', 'cf-ipcity': 'Palermo' }, true)).toMatchObject({ country: 'US', city: null })
  })

  it('drops bad text, coordinates and oversized values but keeps the country', () => {
    const result = edgeHeadersGeo(
      {
        'x-vercel-ip-country': 'US',
        'x-vercel-ip-country-region': 'x'.repeat(10_000),
        'x-vercel-ip-city': '%E0%A4%A',
        'x-vercel-ip-latitude': '91',
        'x-vercel-ip-longitude': '10',
      },
      true,
    )
    expect(result).toEqual({ country: 'US', region: null, city: null, source: 'edge', confidence: 95 })
    expect(edgeHeadersGeo({ 'cf-ipcountry': 'US', 'cf-ipcity': 'New%0AYork' }, true)?.city).toBeNull()
    expect(edgeHeadersGeo({ 'cf-ipcountry': 'US', 'cf-ipcity': '  ' }, true)?.city).toBeNull()
    expect(edgeHeadersGeo({ 'cf-ipcountry': 'US', 'cf-iplatitude': 'NaN', 'cf-iplongitude': '1' }, true)).not.toHaveProperty('latitude')
    expect(edgeHeadersGeo({ 'cf-ipcountry': 'US', 'cf-iplatitude': '1', 'cf-iplongitude': 'Infinity' }, true)).not.toHaveProperty('longitude')
  })
})
