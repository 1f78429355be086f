import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'
import { AppError } from '../../errors.js'
import { DEVICE_COOKIE, readCookie } from '../../identity/device-cookie.js'
import type { Visitor } from '../../privacy/visitor-data.js'
import { resolveClientIp } from '../../signals/client-ip.js'
import type { RateLimit } from '../../sessions/rate-limiter.js'
import { erasureJson, sendVisitorExport } from '../visitor-export.js'

const ExportQuery = Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('ndjson')])) }, { additionalProperties: false })
const NoQuery = Type.Object({}, { additionalProperties: false })

/**
 * Per network (keyed hash of the /24 or /64), counted before the cookie is even read: an
 * export walks every click of a device, and a forged cookie costs a hash to check. A
 * person asks for their data a few times, not dozens.
 */
export const VISITOR_DATA_LIMIT: RateLimit = { limit: 10, windowMs: 10 * 60_000 }

export type VisitorDataPluginOptions = Pick<Linkprint, 'clock' | 'clickEnvironment' | 'rateLimiter' | 'visitorData' | 'config' | 'metrics'>

/**
 * The visitor's own `GET|DELETE /api/visitor/data` (DESIGN.md, Privacy): the data of the
 * browser the signed `device_fp` cookie identifies (the export names its device cluster,
 * which an admin can export or delete whole: /api/admin/visitors/:id). Only that cookie proves the
 * browser: SDK hashes are not secrets (any site running the SDK sees them), so they do
 * not open anyone's data. The sessions hook is left out (`sessions: false`): asking for
 * one's data must not open an anonymous session or be handed a fresh cookie.
 */
export const visitorDataPlugin = fp(async function visitorData(fastify: FastifyInstance, services: VisitorDataPluginOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  async function visitorOf(request: FastifyRequest): Promise<Visitor> {
    const lp = services
    const now = lp.clock.now()
    const peer = request.socket.remoteAddress ?? ''
    const ip = resolveClientIp(peer, request.headers, lp.clickEnvironment.trustedProxies).ip || peer
    const window = await lp.rateLimiter.hit(`visitor-data:net:${lp.clickEnvironment.ipHasher.hash(ip).prefixHash}`, VISITOR_DATA_LIMIT.windowMs, now)
    if (window.count > VISITOR_DATA_LIMIT.limit) {
      throw new AppError('RATE_LIMITED', undefined, { retryAfter: Math.max(1, Math.ceil((window.resetAt - now) / 1000)) })
    }
    const raw = readCookie(typeof request.headers.cookie === 'string' ? request.headers.cookie : undefined, DEVICE_COOKIE)
    if (raw === undefined || raw === '') throw new AppError('VISITOR_COOKIE_MISSING')
    const id = lp.clickEnvironment.deviceCookie.verify(raw)
    if (id === null) throw new AppError('VISITOR_COOKIE_INVALID')
    // A cookie replayed after its data was deleted verifies, but finds nothing. Its own
    // context only: the cookie proves this browser, not the others the engine joined to it.
    const visitor = await lp.visitorData.find(id, 'context')
    if (!visitor) throw new AppError('VISITOR_NOT_FOUND')
    return visitor
  }

  app.addHook('onError', async (_request, reply, error) => {
    const details = (error as AppError).details as { retryAfter?: unknown } | undefined
    if (error instanceof AppError && error.code === 'RATE_LIMITED' && typeof details?.retryAfter === 'number') reply.header('retry-after', String(details.retryAfter))
  })

  app.get('/api/visitor/data', { config: { sessions: false }, schema: { querystring: ExportQuery } }, async (request, reply) => {
    const visitor = await visitorOf(request)
    return sendVisitorExport(reply, services.visitorData, visitor, request.query.format ?? 'json')
  })

  app.delete('/api/visitor/data', { config: { sessions: false }, schema: { querystring: NoQuery } }, async (request, reply) => {
    const lp = services
    const visitor = await visitorOf(request)
    const deleted = await lp.visitorData.erase(visitor)
    lp.metrics.visitorErasures.labels('visitor').inc()
    const secure = lp.config.publicUrl?.startsWith('https:') || request.protocol === 'https'
    return reply.header('cache-control', 'no-store').header('set-cookie', lp.clickEnvironment.deviceCookie.clearHeader(secure)).send(erasureJson(visitor, deleted))
  })
}, { name: 'linkprint-visitor-data', dependencies: ['linkprint-errors'], encapsulate: true })
