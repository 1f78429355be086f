import { singleHeader, type HeaderRecord } from '../header-record.js'
import type { GeoResult } from './geo-result.js'

/** The edge saw the actual connection; seed 002 gives its headers 95. */
export const EDGE_CONFIDENCE = 95

interface Platform {
  readonly country: string
  readonly region: readonly string[]
  readonly city: string
  readonly latitude: string
  readonly longitude: string
}

/**
 * Header names per platform, tried in this order; the first platform that sends a valid
 * country answers, so a request never mixes one platform's country with another's city.
 * Region: Vercel and CloudFront send an ISO 3166-2 code; Cloudflare's "visitor location
 * headers" transform sends the name (cf-region) and the code (cf-region-code).
 */
const PLATFORMS: readonly Platform[] = [
  {
    country: 'x-vercel-ip-country',
    region: ['x-vercel-ip-country-region', 'x-vercel-ip-region'],
    city: 'x-vercel-ip-city',
    latitude: 'x-vercel-ip-latitude',
    longitude: 'x-vercel-ip-longitude',
  },
  {
    country: 'cf-ipcountry',
    region: ['cf-region', 'cf-region-code'],
    city: 'cf-ipcity',
    latitude: 'cf-iplatitude',
    longitude: 'cf-iplongitude',
  },
  {
    country: 'cloudfront-viewer-country',
    region: ['cloudfront-viewer-country-region-name', 'cloudfront-viewer-country-region'],
    city: 'cloudfront-viewer-city',
    latitude: 'cloudfront-viewer-latitude',
    longitude: 'cloudfront-viewer-longitude',
  },
]

const MAX_VALUE = 128

/**
 * Geo from the edge's headers (Vercel, Cloudflare, CloudFront), only when the peer is a
 * trusted proxy: from anyone else these headers are whatever the client chose to send.
 * Null when no platform header carries a usable country. Values are validated and
 * bounded; Vercel URL-encodes the city ("S%C3%A3o%20Paulo"), which is decoded.
 */
export function edgeHeadersGeo(headers: HeaderRecord, peerTrusted: boolean): GeoResult | null {
  if (!peerTrusted) return null
  for (const platform of PLATFORMS) {
    const country = countryCode(singleHeader(headers, platform.country, MAX_VALUE))
    if (country === null) continue
    let region: string | null = null
    for (const name of platform.region) {
      region = text(singleHeader(headers, name, MAX_VALUE))
      if (region !== null) break
    }
    const latitude = coordinate(singleHeader(headers, platform.latitude, 32), 90)
    const longitude = coordinate(singleHeader(headers, platform.longitude, 32), 180)
    return {
      country,
      region,
      city: text(singleHeader(headers, platform.city, MAX_VALUE)),
      ...(latitude !== null && longitude !== null ? { latitude, longitude } : {}),
      source: 'edge',
      confidence: EDGE_CONFIDENCE,
    }
  }
  return null
}

/** Two ASCII letters, upper-cased; XX (unknown) and T1 (Tor, Cloudflare) are not countries. */
function countryCode(value: string | undefined): string | null {
  if (value === undefined || value.length !== 2) return null
  const code = value.toUpperCase()
  const a = code.charCodeAt(0)
  const b = code.charCodeAt(1)
  if (a < 65 || a > 90 || b < 65 || b > 90) return null
  return code === 'XX' ? null : code
}

/** A display value: percent-decoded when encoded, trimmed, no control characters; null when empty or bad. */
function text(value: string | undefined): string | null {
  if (value === undefined) return null
  let decoded = value
  if (value.includes('%')) {
    try {
      decoded = decodeURIComponent(value)
    } catch {
      return null
    }
  }
  decoded = decoded.trim()
  if (decoded === '' || decoded.length > MAX_VALUE) return null
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) return null
  }
  return decoded
}

function coordinate(value: string | undefined, limit: number): number | null {
  if (value === undefined || value.trim() === '') return null
  const n = Number(value)
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : null
}
