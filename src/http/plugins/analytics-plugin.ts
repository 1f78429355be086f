import { Readable } from 'node:stream'
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'
import { AppError, errorBody } from '../../errors.js'
import type { Breakdowns, Bucket, ClickRow, LinkStats, TimeRange } from '../../storage/storage.js'
import { geoAttribution } from '../fingerprint-debug.js'
import { parseTimeRange } from '../time-range.js'
import { principalOf } from './authentication-plugin.js'

const SlugParams = Type.Object({ slug: Type.String({ maxLength: 200 }) })
const RangeFields = { from: Type.Optional(Type.String({ maxLength: 40 })), to: Type.Optional(Type.String({ maxLength: 40 })), domain: Type.Optional(Type.String({ minLength: 1, maxLength: 260 })) }
const StatsQuery = Type.Object(RangeFields, { additionalProperties: false })
const AnalyticsQuery = Type.Object({ ...RangeFields, interval: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')])) }, { additionalProperties: false })
const ExportQuery = Type.Object({ ...RangeFields, format: Type.Optional(Type.Union([Type.Literal('ndjson'), Type.Literal('csv')])) }, { additionalProperties: false })

const INTERVAL_MS = { hour: 3_600_000, day: 86_400_000 } as const
const MAX_BUCKETS = 5_000
const EXPORT_PAGE = 1_000

export type AnalyticsPluginOptions = Pick<Linkprint, 'links' | 'storage' | 'clock' | 'geoDatabase'>

/** Stats (the shape in docs/contracts.md), time series with breakdowns, and click exports of one link. */
export const analyticsPlugin = fp(async function analytics(fastify: FastifyInstance, services: AnalyticsPluginOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.addHook('preValidation', app.requireUser)

  app.get('/api/links/:slug/stats', { schema: { params: SlugParams, querystring: StatsQuery } }, async (request) => {
    const link = await services.links.get(principalOf(request).user, request.params.slug, request.query.domain)
    const stats = await services.storage.analytics.linkStats(link.id, parseTimeRange(request.query))
    if (!stats) throw new AppError('LINK_NOT_FOUND')
    return statsJson(stats)
  })

  app.get('/api/links/:slug/analytics', { schema: { params: SlugParams, querystring: AnalyticsQuery } }, async (request) => {
    const { storage, clock } = services
    const link = await services.links.get(principalOf(request).user, request.params.slug, request.query.domain)
    const interval = request.query.interval ?? 'day'
    const bucketMs = INTERVAL_MS[interval]
    const parsed = parseTimeRange(request.query)
    const range: Required<TimeRange> = { from: parsed.from ?? Math.floor(link.createdAt / bucketMs) * bucketMs, to: parsed.to ?? clock.now() + 1 }
    if ((range.to - range.from) / bucketMs > MAX_BUCKETS) throw new AppError('INVALID_RANGE', `At most ${MAX_BUCKETS} ${interval}s per request`)
    const [series, stats, breakdowns] = await Promise.all([
      storage.analytics.timeSeries(link.id, range, bucketMs),
      storage.analytics.linkStats(link.id, range),
      storage.analytics.breakdowns({ links: [link.id] }, range),
    ])
    return {
      slug: link.slug,
      from: new Date(range.from).toISOString(),
      to: new Date(range.to).toISOString(),
      interval,
      totals: stats ? statsJson(stats) : null,
      series: filledSeries(series, range, bucketMs),
      ...breakdownsJson(breakdowns),
      // CC BY 4.0: the credit goes wherever the database's results appear.
      geoAttribution: geoAttribution(services),
    }
  })

  app.get('/api/links/:slug/clicks', { schema: { params: SlugParams, querystring: ExportQuery } }, async (request, reply) => {
    const link = await services.links.get(principalOf(request).user, request.params.slug, request.query.domain)
    const range = parseTimeRange(request.query)
    const format = request.query.format ?? 'ndjson'
    const storage = services.storage
    async function* lines() {
      if (format === 'csv') yield `${EXPORT_COLUMNS.join(',')}\n`
      let after = 0
      try {
        for (;;) {
          const page = await storage.clicks.clicksPage(link.id, range, after, EXPORT_PAGE)
          for (const row of page) {
            yield format === 'csv' ? csvLine(exportRow(row)) : `${JSON.stringify(exportRow(row))}\n`
            after = row.id
          }
          if (page.length < EXPORT_PAGE) return
        }
      } catch (error) {
        // Never a silently short file: the failure is logged, said in a last line, and the
        // response is aborted (no final chunk), so a client sees an incomplete transfer.
        request.log.error({ err: error, slug: link.slug, afterClickId: after }, 'click export stopped')
        const message = `export stopped after click id ${after}: ${error instanceof Error ? error.message : String(error)}`
        yield format === 'csv' ? `# ERROR ${message}\n` : `${JSON.stringify(errorBody('INTERNAL', message))}\n`
        throw error
      }
    }
    return reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
      .header('content-disposition', `attachment; filename="${link.slug}-clicks.${format}"`)
      .send(Readable.from(lines()))
  })
}, { name: 'linkprint-analytics', dependencies: ['linkprint-errors', 'linkprint-authentication'], encapsulate: true })

/** Every bucket of the range, empty ones included, so a chart needs no gap handling. */
export function filledSeries(series: readonly Bucket[], range: Required<TimeRange>, bucketMs: number) {
  const byStart = new Map(series.map((b) => [b.start, b]))
  const out = []
  for (let start = Math.floor(range.from / bucketMs) * bucketMs; start < range.to; start += bucketMs) {
    const b = byStart.get(start)
    out.push({ start: new Date(start).toISOString(), clicks: b?.clicks ?? 0, browserUniqueClicks: b?.browserUniqueClicks ?? 0, deviceUniqueClicks: b?.deviceUniqueClicks ?? 0, botClicks: b?.botClicks ?? 0 })
  }
  return out
}

/**
 * The breakdowns as the API gives them: each value with its clicks and unique browsers
 * and devices; the names the first version of this answer used (host, country, source,
 * reason) are kept beside `value`.
 */
export function breakdownsJson(b: Breakdowns) {
  return {
    browsers: b.browsers,
    operatingSystems: b.operatingSystems,
    deviceTypes: b.deviceTypes,
    countries: b.countries.map((r) => ({ country: r.value, ...r })),
    cities: b.cities,
    languages: b.languages,
    referrers: b.referrers.map((r) => ({ host: r.value, ...r })),
    identitySources: b.identitySources.map((r) => ({ source: r.value, ...r })),
    botReasons: b.botReasons.map((r) => ({ reason: r.value, ...r })),
  }
}

export function statsJson(stats: LinkStats) {
  return {
    slug: stats.slug,
    clicks: stats.clicks,
    browserUniqueClicks: stats.browserUniqueClicks,
    deviceUniqueClicks: stats.deviceUniqueClicks,
    avgConfidence: stats.avgConfidence,
    botClicks: stats.botClicks,
  }
}

const EXPORT_COLUMNS = ['id', 'ts', 'method', 'bot', 'botReason', 'referrerHost', 'userAgent', 'browserId', 'deviceId', 'confidence', 'identitySource', 'fingerprintVersion', 'country'] as const

/** Hashed addresses stay inside: an export is shared more widely than the database. */
function exportRow(row: ClickRow): Record<(typeof EXPORT_COLUMNS)[number], string | number | boolean | null> {
  return {
    id: Number(row.id),
    ts: new Date(Number(row.ts)).toISOString(),
    method: row.method,
    bot: row.is_bot === 1,
    botReason: row.bot_reason,
    referrerHost: row.referrer_host,
    userAgent: row.user_agent,
    browserId: row.browser_id,
    deviceId: row.device_id,
    confidence: row.confidence,
    identitySource: row.identity_source,
    fingerprintVersion: row.fingerprint_version,
    country: row.country,
  }
}

function csvLine(row: ReturnType<typeof exportRow>): string {
  return `${EXPORT_COLUMNS.map((c) => csvCell(row[c])).join(',')}\n`
}

function csvCell(value: string | number | boolean | null): string {
  if (value === null) return ''
  let text = String(value)
  // A cell starting with = + - @ runs as a formula in spreadsheets: user agents and referrers are visitor-controlled.
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}
