import { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'
import type { Visitor, VisitorData } from '../privacy/visitor-data.js'
import type { RetentionCounts, VisitorClickRow, VisitorContext } from '../storage/storage.js'

export type VisitorExportFormat = 'json' | 'ndjson'

/**
 * Streams a visitor's data: JSON `{visitor, contexts, clicks}`, or NDJSON with one click a
 * line (the shape of the link export, plus the link's slug and the click's stored
 * signals). Hashed addresses stay inside, as in every export; raw ones are never stored.
 */
export async function sendVisitorExport(reply: FastifyReply, data: VisitorData, visitor: Visitor, format: VisitorExportFormat): Promise<FastifyReply> {
  const contexts = format === 'json' ? await data.contextsOf(visitor) : []
  async function* json() {
    yield `{"visitor":${JSON.stringify({ id: visitor.id, deviceCluster: visitor.deviceCluster })},"contexts":${JSON.stringify(contexts.map(contextJson))},"clicks":[`
    let first = true
    for await (const row of data.clicks(visitor)) {
      yield `${first ? '' : ','}${JSON.stringify(visitorClickJson(row))}`
      first = false
    }
    yield ']}\n'
  }
  async function* ndjson() {
    for await (const row of data.clicks(visitor)) yield `${JSON.stringify(visitorClickJson(row))}\n`
  }
  return reply
    .header('cache-control', 'no-store')
    .type(format === 'json' ? 'application/json; charset=utf-8' : 'application/x-ndjson')
    .header('content-disposition', `attachment; filename="visitor-data.${format}"`)
    .send(Readable.from(format === 'json' ? json() : ndjson()))
}

export function erasureJson(visitor: Visitor, deleted: RetentionCounts) {
  return { visitor: { id: visitor.id, deviceCluster: visitor.deviceCluster }, deleted }
}

function contextJson(c: VisitorContext) {
  return {
    id: c.key,
    browserName: c.browserName,
    osName: c.osName,
    deviceType: c.deviceType,
    firstSeen: c.createdAt === null ? null : new Date(c.createdAt).toISOString(),
    lastSeen: c.lastSeen === null ? null : new Date(c.lastSeen).toISOString(),
    browserCluster: c.browserCluster,
    deviceCluster: c.deviceCluster,
    correlationType: c.correlationType,
  }
}

function visitorClickJson(row: VisitorClickRow) {
  return {
    id: Number(row.id),
    slug: row.slug,
    ts: new Date(Number(row.ts)).toISOString(),
    method: row.method,
    bot: Number(row.is_bot) === 1,
    botReason: row.bot_reason,
    referrerHost: row.referrer_host,
    userAgent: row.user_agent,
    fingerprintId: row.fingerprint_id,
    browserId: row.browser_id,
    deviceId: row.device_id,
    confidence: row.confidence === null ? null : Number(row.confidence),
    identitySource: row.identity_source,
    fingerprintVersion: row.fingerprint_version === null ? null : Number(row.fingerprint_version),
    // What else the click kept (language, time zone, client hints, geo): the visitor's too. Never an address.
    signals: parseSignals(row.signals),
  }
}

function parseSignals(json: string | null): unknown {
  if (json === null) return null
  try {
    return JSON.parse(json) as unknown
  } catch {
    return null
  }
}
