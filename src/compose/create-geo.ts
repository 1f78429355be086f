import type { Clock } from '../clock.js'
import type { Config } from '../config/config.js'
import { ApiGeo } from '../signals/geo/api-geo.js'
import { DatabaseGeo } from '../signals/geo/database-geo.js'
import { GeoResolver } from '../signals/geo/geo-resolver.js'

const geoDatabases = new Map<string, Promise<DatabaseGeo | null>>()

/** The geo database is ~135 MB in memory: one copy per process, whatever number of services it runs. GEOIP_DB=off turns the tier off. */
function openGeoDatabase(path: string | undefined): Promise<DatabaseGeo | null> {
  if (path === 'off') return Promise.resolve(null)
  const key = path ?? ''
  let db = geoDatabases.get(key)
  if (!db) geoDatabases.set(key, (db = DatabaseGeo.open(path)))
  return db
}

/** The geo tiers a click is placed by: the local database (GEOIP_DB), then the external API (GEO_API_URL). */
export async function createGeo(config: Config, clock: Clock): Promise<{ geoDatabase: DatabaseGeo | null; geo: GeoResolver }> {
  const geoDatabase = await openGeoDatabase(config.geoipDb)
  const geo = new GeoResolver({
    database: geoDatabase,
    // The external API sends an address to a third party: never under strict privacy.
    api: config.geoApiUrl && config.privacyMode !== 'strict' ? new ApiGeo({ url: config.geoApiUrl, timeoutMs: config.geoApiTimeout, cacheTtlMs: config.geoCacheDuration, now: () => clock.now() }) : null,
    cacheTtlMs: config.geoCacheDuration,
    now: () => clock.now(),
  })
  return { geoDatabase, geo }
}
