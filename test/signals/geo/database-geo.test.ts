import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../../src/errors.js'
import {
  DATABASE_CONFIDENCE,
  DatabaseGeo,
  DBIP_ATTRIBUTION,
  DBIP_PACKAGE,
  GEOLITE_ATTRIBUTION,
} from '../../../src/signals/geo/database-geo.js'
import { writeMmdb, type MmdbNetwork } from '../helpers/mmdb-writer.js'

/** ip-location-db's flat layout, as in the DB-IP package. */
const flatV4: MmdbNetwork[] = [
  { cidr: '93.45.12.0/24', data: { country_code: 'IT', state1: 'Sicily', state2: '', city: 'Palermo', postcode: '', latitude: 38.1157, longitude: 13.3615, timezone: '' } },
  { cidr: '151.38.0.0/16', data: { country_code: 'IT', state1: 'Lazio', state2: '', city: 'Rome', postcode: '', latitude: 41.8919, longitude: 12.5113, timezone: '' } },
  { cidr: '198.51.100.0/24', data: { country_code: 'US', state1: '', state2: '', city: '', postcode: '', latitude: 0.5, longitude: 0.5, timezone: '' } },
  { cidr: '203.0.113.0/24', data: { country_code: '', state1: 'x', state2: '', city: 'y', postcode: '', latitude: 1.5, longitude: 1.5, timezone: '' } },
]
const flatV6: MmdbNetwork[] = [
  { cidr: '2a01:4f8::/32', data: { country_code: 'DE', state1: 'Bavaria', state2: '', city: 'Nuremberg', postcode: '', latitude: 49.4543, longitude: 11.0746, timezone: '' } },
]
/** The GeoIP2 layout (DB-IP's own downloads, GeoLite2), IPv4 under ::/96 in one IPv6 tree. */
const geoip2: MmdbNetwork[] = [
  {
    cidr: '93.45.12.0/24',
    data: {
      country: { iso_code: 'IT', names: { en: 'Italy' } },
      subdivisions: [{ iso_code: '82', names: { en: 'Sicily', it: 'Sicilia' } }],
      city: { names: { it: 'Palermo' } },
      location: { latitude: 38.1157, longitude: 13.3615 },
    },
  },
  { cidr: '2001:db8::/32', data: { country: { iso_code: 'nl' }, city: { names: { en: 'Amsterdam' } } } },
]

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'linkprint-geo-'))
  writeFileSync(join(dir, 'v4.mmdb'), writeMmdb({ ipVersion: 4, databaseType: 'city ipv4', networks: flatV4 }))
  writeFileSync(join(dir, 'v6.mmdb'), writeMmdb({ ipVersion: 6, databaseType: 'city ipv6', networks: flatV6 }))
  writeFileSync(join(dir, 'geoip2.mmdb'), writeMmdb({ ipVersion: 6, databaseType: 'GeoLite2-City', networks: geoip2 }))
  writeFileSync(join(dir, 'garbage.mmdb'), 'not a database')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('DatabaseGeo', () => {
  it('reads the flat layout from an IPv4 and an IPv6 file named in GEOIP_DB', async () => {
    const db = (await DatabaseGeo.open(`${join(dir, 'v4.mmdb')}, ${join(dir, 'v6.mmdb')}`))!
    expect(db.lookup('93.45.12.7')).toEqual({
      country: 'IT', region: 'Sicily', city: 'Palermo', latitude: 38.1157, longitude: 13.3615, source: 'database', confidence: DATABASE_CONFIDENCE,
    })
    expect(db.lookup('::ffff:151.38.1.1')).toMatchObject({ country: 'IT', region: 'Lazio', city: 'Rome' })
    expect(db.lookup('2a01:4f8:c17::1')).toMatchObject({ country: 'DE', city: 'Nuremberg' })
    expect(db.lookup('198.51.100.1')).toMatchObject({ country: 'US', region: null, city: null })
    expect(db.info.databaseTypes).toEqual(['city ipv4', 'city ipv6'])
    expect(db.info.attribution).toBe(DBIP_ATTRIBUTION)
  })

  it('answers null for unknown, private, country-less and non-addresses', async () => {
    const db = (await DatabaseGeo.open(join(dir, 'v4.mmdb')))!
    expect(db.lookup('10.0.0.1')).toBeNull()
    expect(db.lookup('203.0.113.1')).toBeNull()
    expect(db.lookup('garbage')).toBeNull()
    expect(db.lookup('')).toBeNull()
    // an IPv4-only database is never asked about IPv6 (it would misread the first 32 bits)
    expect(db.lookup('5d2d:0c07::1')).toBeNull()
  })

  it('reads the GeoIP2 layout, IPv4 from an IPv6 tree', async () => {
    const db = (await DatabaseGeo.open(join(dir, 'geoip2.mmdb')))!
    expect(db.lookup('93.45.12.99')).toEqual({
      country: 'IT', region: 'Sicily', city: 'Palermo', latitude: 38.1157, longitude: 13.3615, source: 'database', confidence: DATABASE_CONFIDENCE,
    })
    expect(db.lookup('2001:db8:1::1')).toEqual({ country: 'NL', region: null, city: 'Amsterdam', source: 'database', confidence: DATABASE_CONFIDENCE })
    expect(db.info.attribution).toBe(GEOLITE_ATTRIBUTION)
  })

  it('fails start-up on a GEOIP_DB it cannot use', async () => {
    await expect(DatabaseGeo.open(join(dir, 'missing.mmdb'))).rejects.toThrow(AppError)
    await expect(DatabaseGeo.open(join(dir, 'garbage.mmdb'))).rejects.toThrow(/not an MMDB database/)
  })

  it('credits DB-IP as CC BY 4.0 requires', () => {
    expect(DBIP_ATTRIBUTION).toContain('DB-IP')
    expect(DBIP_ATTRIBUTION).toContain('https://db-ip.com')
    expect(DBIP_ATTRIBUTION).toContain('CC BY 4.0')
  })

  describe('the shipped DB-IP Lite database', () => {
    const installed = (() => {
      try {
        createRequire(import.meta.url).resolve(`${DBIP_PACKAGE}/package.json`)
        return true
      } catch {
        return false
      }
    })()

    it('is installed in CI (never silently skipped there)', () => {
      if (process.env.CI === 'true') expect(installed, `${DBIP_PACKAGE} must be installed under CI`).toBe(true)
    })

    it.skipIf(!installed)('opens by default and answers stable facts', async () => {
      const db = (await DatabaseGeo.open(undefined))!
      expect(db).not.toBeNull()
      expect(db.info.files).toHaveLength(2)
      expect(db.lookup('8.8.8.8')?.country).toBe('US')
      expect(db.lookup('127.0.0.1')).toBeNull()
      expect(db.lookup('192.168.1.1')).toBeNull()
      const v6 = db.lookup('2a01:4f8::1')
      expect(v6?.country).toMatch(/^[A-Z]{2}$/)
      expect(v6?.source).toBe('database')
      // the IPv4 and IPv6 files are not confused
      expect(db.lookup('::ffff:8.8.8.8')?.country).toBe('US')
    }, 60_000)
  })
})
