/** Where a geo answer came from, strongest first: the tiers of seed 002. */
export type GeoSource = 'edge' | 'database' | 'api' | 'inference'

/**
 * One geo answer with its provenance. Every tier returns this shape so the resolver,
 * the stability rule and the debug API can compare answers without knowing the tier.
 */
export interface GeoResult {
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string | null
  /** Subdivision name or code as the source gives it (Vercel gives codes, DB-IP names). */
  readonly region: string | null
  readonly city: string | null
  readonly latitude?: number
  readonly longitude?: number
  readonly source: GeoSource
  /** 0–100: how far the tier's answer is to be believed (seed 002: edge 95, API 85, inference 60). */
  readonly confidence: number
}

/**
 * How much a source knows about *this* request, for the stability rule: an edge header
 * describes the actual connection, a database or API the address block, inference only
 * the person's settings. Database and API rank alike; confidence separates them.
 */
export const GEO_SOURCE_STRENGTH: Readonly<Record<GeoSource, number>> = {
  edge: 3,
  api: 2,
  database: 2,
  inference: 1,
}
