import { FINGERPRINT_VERSION } from '../identity/fingerprints.js'
import type { GeoResult } from '../signals/geo/geo-result.js'
import { clientHintsOf } from '../signals/user-agent.js'
import type { ClickRecord, FingerprintingAlgorithm } from '../storage/storage.js'
import type { ClickContext } from './click-pipeline.js'

/** The row a click writes, with the engine's new fingerprint and merges, from a finished context. */
export function clickRecordOf(ctx: ClickContext, algorithm: FingerprintingAlgorithm): ClickRecord {
  const id = ctx.identity
  const legacy = algorithm === 'legacy'
  // After the per-device stability rule when the engine ran; the request's own otherwise.
  const geo = id?.geo ?? ctx.geo
  const record: ClickRecord = {
    click: {
      link_id: ctx.link.id,
      ts: ctx.input.ts,
      ip_hash: ctx.ipHash,
      ip_prefix_hash: ctx.prefixHash,
      user_agent: ctx.userAgent,
      referrer_host: ctx.referrerHost,
      method: ctx.input.method,
      is_bot: ctx.bot.bot ? 1 : 0,
      bot_reason: ctx.bot.reason,
      browser_id: legacy ? ctx.legacyId : (id?.browserId ?? null),
      device_id: legacy ? ctx.legacyId : (id?.deviceId ?? null),
      confidence: id?.confidence ?? null,
      identity_source: id?.source ?? null,
      fingerprint_version: id ? FINGERPRINT_VERSION : null,
      // A deferred click (migration job running) keeps its cookie id: the job resolves it from there.
      fingerprint_id: id?.key ?? (ctx.bot.bot ? null : (ctx.cookieId ?? ctx.newCookieId)),
      legacy_id: ctx.legacyId,
      session_hash: id?.fingerprints.sessionHash ?? null,
      device_hash: id?.fingerprints.deviceStableHash ?? null,
      sdk_device_hash: ctx.sdkDevice,
      sdk_browser_hash: ctx.sdkBrowser,
      country: ctx.bot.bot ? null : (geo?.country ?? null),
      // The breakdowns' columns (migration 009); bots are counted by reason only.
      browser_name: ctx.bot.bot ? null : (ctx.ua?.browser.name ?? null),
      os_name: ctx.bot.bot ? null : (ctx.ua?.os.name ?? null),
      device_type: ctx.bot.bot ? null : (ctx.ua?.device.type ?? null),
      city: ctx.bot.bot ? null : (geo?.city ?? null),
      language: ctx.bot.bot ? null : ctx.language,
      geo_source: ctx.bot.bot ? null : (geo?.source ?? null),
      geo_confidence: ctx.bot.bot ? null : (geo?.confidence ?? null),
      // Set by the click writer, which knows what the link's earlier clicks were (rollups/rollup-maintenance.ts).
      browser_unique: 0,
      device_unique: 0,
      signals: ctx.bot.bot
        ? null
        : JSON.stringify({
            mode: ctx.mode,
            language: ctx.language,
            timezone: ctx.timezone,
            // The engine reads the first 256 characters (click-pipeline.ts); the rest would only take space.
            accept: firstValue(ctx.input.headers.accept)?.slice(0, 256) ?? null,
            // Which cookie the key came from, so a recomputation can tell a returning browser from a new one (stored-click-signals.ts).
            cookie: ctx.cookieId !== null ? 'verified' : ctx.newCookieId !== null ? 'issued' : null,
            hints: ctx.hints ?? clientHintsOf(ctx.input.headers),
            geo: geoJson(geo),
            ...(ctx.rejected.length > 0 && { rejected: ctx.rejected }),
          }),
    },
  }
  const entity = ctx.storedEntity ?? id?.newEntity
  if (id && entity) {
    record.fingerprint = {
      row: {
        id: entity.key,
        device_fingerprint: entity.deviceHash,
        browser_fingerprint: entity.browserHash,
        session_fingerprint: entity.sessionHash,
        primary_fingerprint: entity.primaryHash,
        sdk_device_hash: entity.sdkDevice,
        sdk_browser_hash: entity.sdkBrowser,
        browser_name: entity.browserName,
        os_name: entity.osName,
        device_type: entity.deviceType,
        confidence: entity.confidence,
        correlation_factors: JSON.stringify(entity.factors),
        fingerprint_version: FINGERPRINT_VERSION,
        created_at: entity.firstSeen,
        last_seen: entity.lastSeen,
      },
      correlation: {
        fingerprint_id: entity.key,
        browser_cluster_id: id.browserId,
        device_cluster_id: id.deviceId,
        correlation_type: entity.correlationType,
        confidence_score: entity.confidence,
        updated_at: ctx.input.ts,
        // The merge evidence, so a restart can still withdraw a provisional merge (migration 004).
        edges: ctx.storedEdges.length > 0 ? JSON.stringify(ctx.storedEdges.map((e) => [e.other, e.level, e.provisionalOn])) : null,
      },
    }
  }
  if (id && id.merges.length > 0) record.merges = id.merges.map((m) => ({ level: m.level, absorbed: m.absorbed, into: m.into }))
  if (id && id.reassigned.length > 0) record.reassignments = id.reassigned.map((r) => ({ fingerprintId: r.key, browserClusterId: r.browserRoot, deviceClusterId: r.deviceRoot }))
  return record
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function geoJson(geo: GeoResult | null) {
  return geo && { country: geo.country, region: geo.region, city: geo.city, source: geo.source, confidence: geo.confidence }
}
