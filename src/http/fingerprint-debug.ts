import { isIP } from 'node:net'
import { CLICK_PIPELINE, runClickPipeline, type ClickEnvironment, type ClickInput } from '../decisions/click-pipeline.js'
import { FINGERPRINT_VERSION } from '../identity/fingerprints.js'
import { IdentityEngine, type IdentityDecision } from '../identity/identity-engine.js'
import { OverlayIdentityState } from '../identity/overlay-identity-state.js'
import type { Linkprint } from '../linkprint.js'
import { sdkHashVersion } from '../sdk/sdk-hash-format.js'
import { resolveClientIp } from '../signals/client-ip.js'
import { DBIP_ATTRIBUTION } from '../signals/geo/database-geo.js'
import type { GeoResult, GeoSource } from '../signals/geo/geo-result.js'
import type { Link } from '../storage/storage.js'

/** Seed 002's tiers in linkprint's order (the local database comes before the paid API). */
const GEO_TIERS: Readonly<Record<GeoSource, number>> = { edge: 1, database: 2, api: 3, inference: 4 }

/** A link no click can be counted on: `action=test` without a slug. */
const NO_LINK: Link = {
  id: 0, slug: '', url: 'https://example.invalid/', userId: 0, createdAt: 0, updatedAt: 0,
  expiresAt: null, maxClicks: null, redirectStatus: 302, tags: [], clickCount: 0,
}

/** What the debug API and the monitor read of the running service. */
export const DEBUG_PARTS = ['clickEnvironment', 'identity', 'config', 'fingerprinting', 'geoDatabase', 'storage', 'fingerprintMigration', 'identityLoad'] as const
export type DebugParts = Pick<Linkprint, (typeof DEBUG_PARTS)[number]>

/** The credit DB-IP's licence asks for wherever its answers are shown. */
export function geoAttribution(linkprint: Pick<Linkprint, 'geoDatabase'>): string {
  return linkprint.geoDatabase?.info.attribution ?? DBIP_ATTRIBUTION
}

function geoJson(linkprint: Pick<Linkprint, 'geoDatabase'>, geo: GeoResult | null) {
  if (!geo) return null
  return {
    country: geo.country, region: geo.region, city: geo.city,
    source: geo.source, tier: GEO_TIERS[geo.source], confidence: geo.confidence,
    ...(geo.source === 'database' && { attribution: geoAttribution(linkprint) }),
  }
}

/**
 * `action=test`: the request goes through the click pipeline's own steps, with an engine
 * whose state is a copy-on-write view of the live one (OverlayIdentityState) and an
 * environment that counts nothing. No click is recorded, no cluster changes, no link's
 * count moves; the cookie the pipeline would set is not sent.
 */
export function explainRequest(linkprint: Pick<Linkprint, 'clickEnvironment' | 'identity' | 'config' | 'fingerprinting' | 'geoDatabase'>, input: ClickInput, link: Link | null) {
  const live = linkprint.clickEnvironment
  const env: ClickEnvironment = {
    ipHasher: live.ipHasher,
    deviceCookie: live.deviceCookie,
    trustedProxies: live.trustedProxies,
    privacyMode: live.privacyMode,
    geo: live.geo,
    identity: new IdentityEngine({ state: new OverlayIdentityState(linkprint.identity.state), sessionWindowMs: linkprint.config.sessionWindow, minConfidence: linkprint.config.minConfidence }),
    algorithm: live.algorithm,
    clickCount: () => 0,
    countClick: () => {},
    deferIdentity: () => false,
  }
  const outcome = runClickPipeline(input, link ?? NO_LINK, env)
  const base = {
    action: 'test' as const,
    recorded: false,
    explainedAt: new Date(input.ts).toISOString(),
    algorithm: linkprint.fingerprinting.algorithm(),
    fingerprintVersion: FINGERPRINT_VERSION,
    link: link ? link.slug : null,
    steps: CLICK_PIPELINE.map(([name]) => name),
  }
  if (outcome.dropped) return { ...base, dropped: outcome.dropped }
  const ctx = outcome.context
  const client = resolveClientIp(input.peerIp, input.headers, live.trustedProxies)
  const id = ctx.identity
  const ua = ctx.ua
  const geo = geoJson(linkprint, id && 'geo' in id ? ((id as { geo: GeoResult | null }).geo ?? null) : ctx.geo)
  return {
    ...base,
    dropped: null,
    privacyMode: ctx.mode,
    bot: ctx.bot,
    components: [
      // The address itself is never shown, stored or logged: its keyed hashes stand for it.
      { name: 'address', source: client.source, trustedPeer: ctx.peerTrusted, value: { family: ipFamily(ctx.clientIp), ipHash: ctx.ipHash, prefixHash: ctx.prefixHash } },
      { name: 'userAgent', source: ua?.fromHints ? 'user-agent + sec-ch-ua' : 'user-agent', value: ua && { browser: ua.browser.name, version: ua.browser.version, engine: ua.engine.name, os: ua.os.name, osVersion: ua.os.version, device: ua.device.type, vendor: ua.device.vendor, model: ua.device.model, inApp: ua.inApp, notes: ua.notes } },
      { name: 'language', source: 'accept-language', value: ctx.language && { language: ctx.language, region: ctx.languageRegion } },
      { name: 'timezone', source: 'x-timezone', value: ctx.timezone },
      { name: 'geo', source: ctx.geo?.source ?? null, value: geo, observed: geoJson(linkprint, ctx.geo) },
      // The SDK's algorithm version is part of each hash (sdk-hash-format.ts): a stored click carries it too.
      { name: 'sdkDevice', source: 'x-device-fingerprint', value: ctx.sdkDevice, version: ctx.sdkDevice ? sdkHashVersion(ctx.sdkDevice) : null },
      { name: 'sdkBrowser', source: 'x-browser-fingerprint', value: ctx.sdkBrowser, version: ctx.sdkBrowser ? sdkHashVersion(ctx.sdkBrowser) : null },
      { name: 'cookie', source: 'device_fp', value: ctx.cookieId !== null ? 'verified' : ctx.newCookieId !== null ? 'none: a new one would be set' : 'not allowed (strict privacy)' },
    ],
    rejected: ctx.rejected,
    fingerprints: id && { version: id.fingerprintVersion, ...id.fingerprints },
    identity: id && {
      key: id.key,
      source: id.source,
      newContext: id.newEntity !== null,
      browserCluster: id.browserId,
      deviceCluster: id.deviceId,
      confidence: id.confidence,
      correlationType: id.correlationType,
      factors: id.factors,
      merges: id.merges,
      ...(link && { browserUnique: id.browserUnique, deviceUnique: id.deviceUnique }),
      why: whyOf(id),
    },
    legacyId: ctx.legacyId,
    geoAttribution: geo?.source === 'database' ? geoAttribution(linkprint) : null,
  }
}

function whyOf(id: IdentityDecision): string {
  const evidence = id.factors.length > 0 ? `${id.factors.join(', ')} (${id.correlationType ?? 'unscored'}, confidence ${id.confidence})` : null
  if (id.newEntity) {
    if (id.deviceId === id.key) return 'A storage context never seen before; no evidence ties it to a known one, so it would start its own browser and device cluster.'
    return `A storage context never seen before; it would join device cluster ${id.deviceId}${id.browserId !== id.key ? ` and browser cluster ${id.browserId}` : ''} on ${evidence ?? 'earlier evidence'}.`
  }
  if (id.merges.length > 0) return `A known storage context seen from a new address; it would be linked anew on ${evidence ?? 'new evidence'}, merging ${id.merges.map((m) => `${m.level} cluster ${m.absorbed} into ${m.into}`).join(', ')}.`
  return `A known storage context, already in device cluster ${id.deviceId}${evidence ? ` (placed on ${evidence})` : ''}.`
}

function ipFamily(ip: string): 'IPv4' | 'IPv6' | null {
  const v = isIP(ip)
  return v === 4 ? 'IPv4' : v === 6 ? 'IPv6' : null
}

/** `action=stats`: where identities come from, what each algorithm counts, which versions made the rows, the geo tiers of recent clicks. */
export async function debugStats(linkprint: Pick<Linkprint, 'storage' | 'fingerprintMigration' | 'geoDatabase' | 'identityLoad'>) {
  const [overview, signals] = await Promise.all([linkprint.storage.identity.overview(), linkprint.storage.identity.recentSignals(1_000)])
  const tiers = new Map<string, number>()
  for (const json of signals) {
    let source = 'none'
    try {
      source = (JSON.parse(json) as { geo?: { source?: string } | null }).geo?.source ?? 'none'
    } catch {
      // A row another version wrote: counted as without geo.
    }
    tiers.set(source, (tiers.get(source) ?? 0) + 1)
  }
  const migration = linkprint.fingerprintMigration.status()
  return {
    action: 'stats' as const,
    algorithm: migration.algorithm,
    fingerprintVersion: FINGERPRINT_VERSION,
    humanClicks: overview.humanClicks,
    identitySources: overview.sources,
    unique: { legacy: overview.unique.legacy, robust: { browsers: overview.unique.robustBrowsers, devices: overview.unique.robustDevices } },
    clusters: { fingerprints: overview.fingerprints, browsers: overview.browserClusters, devices: overview.deviceClusters },
    versions: { clicks: overview.clickVersions, fingerprints: overview.fingerprintVersions },
    geoTiers: { sample: signals.length, tiers: [...tiers].map(([source, clicks]) => ({ source, tier: GEO_TIERS[source as GeoSource] ?? null, clicks })).sort((a, b) => b.clicks - a.clicks) },
    geoAttribution: tiers.has('database') ? geoAttribution(linkprint) : null,
    migration: migration.job,
    workingState: linkprint.identityLoad,
  }
}

export async function debugRecent(linkprint: Pick<Linkprint, 'storage'>, limit: number) {
  return { action: 'recent' as const, fingerprints: await linkprint.storage.identity.recentFingerprints(limit) }
}

export async function debugCorrelations(linkprint: Pick<Linkprint, 'storage'>, limit: number) {
  return { action: 'correlations' as const, clusters: await linkprint.storage.identity.recentClusters(limit, 50) }
}
