import { Readable } from 'node:stream'
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { AppError } from '../../errors.js'
import type { Linkprint } from '../../linkprint.js'
import type { RollupScope } from '../../storage/rollups/rollup-queries.js'
import { geoAttribution } from '../fingerprint-debug.js'
import { parseTimeRange } from '../time-range.js'
import { breakdownsJson, filledSeries, statsJson } from './analytics-plugin.js'
import { principalOf } from './authentication-plugin.js'

const AccountQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ maxLength: 40 })),
    to: Type.Optional(Type.String({ maxLength: 40 })),
    interval: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')])),
    all: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
const LiveQuery = Type.Object({ all: Type.Optional(Type.Boolean()) }, { additionalProperties: false })

const INTERVAL_MS = { hour: 3_600_000, day: 86_400_000 } as const
const MAX_BUCKETS = 5_000
const DEFAULT_SPAN_MS = 30 * 86_400_000
const TOP_LINKS = 10
const LIVE_MINUTES = 30
/** How often a live stream sends the window again: the minute in progress fills up in view. */
const LIVE_REFRESH_MS = 5_000

/**
 * The account's view across all of the caller's links (an admin's `all=true`: every
 * link): the link analytics' totals, series and breakdowns, its top links, and the last
 * half hour by minute as server-sent events.
 */
export type AccountAnalyticsPluginOptions = Pick<Linkprint, 'storage' | 'clock' | 'geoDatabase'>

export const accountAnalyticsPlugin = fp(async function accountAnalytics(fastify: FastifyInstance, services: AccountAnalyticsPluginOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.addHook('preValidation', app.requireUser)
  const live = new Set<Readable>()
  app.addHook('onClose', async () => {
    for (const stream of live) stream.push(null)
  })

  function scopeOf(request: Parameters<typeof principalOf>[0], all: boolean | undefined): Exclude<RollupScope, { links: readonly number[] }> {
    const user = principalOf(request).user
    if (!all) return { user: user.id }
    if (!user.isAdmin) throw new AppError('FORBIDDEN', 'Only admins may see the analytics of all links')
    return { all: true }
  }

  app.get('/api/analytics', { schema: { querystring: AccountQuery } }, async (request) => {
    const { storage, clock } = services
    const scope = scopeOf(request, request.query.all)
    const interval = request.query.interval ?? 'day'
    const bucketMs = INTERVAL_MS[interval]
    const parsed = parseTimeRange(request.query)
    const to = parsed.to ?? clock.now() + 1
    const range = { from: parsed.from ?? Math.floor((to - DEFAULT_SPAN_MS) / bucketMs) * bucketMs, to }
    if ((range.to - range.from) / bucketMs > MAX_BUCKETS) throw new AppError('INVALID_RANGE', `At most ${MAX_BUCKETS} ${interval}s per request`)
    const [totals, series, breakdowns, topLinks] = await Promise.all([
      storage.analytics.totals(scope, range),
      storage.analytics.series(scope, range, bucketMs),
      storage.analytics.breakdowns(scope, range),
      storage.analytics.topLinks(scope, range, TOP_LINKS),
    ])
    const { slug: _slug, ...total } = statsJson({ linkId: 0, slug: '', ...totals })
    return {
      scope: 'all' in scope ? 'all' : 'user',
      from: new Date(range.from).toISOString(),
      to: new Date(range.to).toISOString(),
      interval,
      totals: total,
      series: filledSeries(series, range, bucketMs),
      ...breakdownsJson(breakdowns),
      topLinks: topLinks.map(statsJson),
      geoAttribution: geoAttribution(services),
    }
  })

  app.get('/api/analytics/live', { schema: { querystring: LiveQuery } }, async (request, reply) => {
    const { storage, clock } = services
    const scope = scopeOf(request, request.query.all)
    const window = async () => {
      const now = clock.now()
      const from = Math.floor(now / 60_000) * 60_000 - (LIVE_MINUTES - 1) * 60_000
      const minutes = await storage.analytics.minutes(scope, from)
      return { at: new Date(now).toISOString(), minutes: filledSeries(minutes, { from, to: now + 1 }, 60_000) }
    }
    const first = await window()
    let timer: NodeJS.Timeout | undefined
    const stream = new Readable({ read() {} })
    const send = (data: unknown) => stream.push(`event: minutes\ndata: ${JSON.stringify(data)}\n\n`)
    const tick = () => {
      timer = setTimeout(() => {
        window().then(send, (error: unknown) => request.log.warn({ err: error }, 'live analytics: a refresh failed')).finally(() => {
          if (live.has(stream)) tick()
        })
      }, LIVE_REFRESH_MS)
    }
    stream.on('close', () => {
      live.delete(stream)
      clearTimeout(timer)
    })
    live.add(stream)
    // The browser reconnects after this long if the stream breaks.
    stream.push('retry: 5000\n\n')
    send(first)
    tick()
    return reply
      .type('text/event-stream; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('x-accel-buffering', 'no')
      .send(stream)
  })
}, { name: 'linkprint-account-analytics', dependencies: ['linkprint-errors', 'linkprint-authentication'], encapsulate: true })
