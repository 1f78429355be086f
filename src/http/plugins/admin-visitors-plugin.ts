import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'
import { AppError } from '../../errors.js'
import { erasureJson, sendVisitorExport } from '../visitor-export.js'

/** A device cluster id or a storage context (cookie) id, as exports and the debug API show them. */
const VisitorParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_+/=.:-]+$' }) }, { additionalProperties: false })
const ExportQuery = Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('ndjson')])) }, { additionalProperties: false })
const NoQuery = Type.Object({}, { additionalProperties: false })

export type AdminVisitorsPluginOptions = Pick<Linkprint, 'visitorData' | 'metrics'>

/**
 * `GET|DELETE /api/admin/visitors/:id` (admin only): the same export and deletion as
 * `/api/visitor/data`, for a request that reached the operator another way (email, a
 * support form) and an id the operator found in an export or the debug API.
 */
export const adminVisitorsPlugin = fp(async function adminVisitors(fastify: FastifyInstance, services: AdminVisitorsPluginOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.addHook('onRequest', app.requireAdmin)

  app.get('/api/admin/visitors/:id', { schema: { params: VisitorParams, querystring: ExportQuery } }, async (request, reply) => {
    const visitor = await services.visitorData.find(request.params.id, 'device')
    if (!visitor) throw new AppError('VISITOR_NOT_FOUND')
    return sendVisitorExport(reply, services.visitorData, visitor, request.query.format ?? 'json')
  })

  app.delete('/api/admin/visitors/:id', { schema: { params: VisitorParams, querystring: NoQuery } }, async (request, reply) => {
    const lp = services
    const visitor = await lp.visitorData.find(request.params.id, 'device')
    if (!visitor) throw new AppError('VISITOR_NOT_FOUND')
    const deleted = await lp.visitorData.erase(visitor)
    lp.metrics.visitorErasures.labels('admin').inc()
    // An audit line without the visitor's ids: a log that outlives the deletion must not name them.
    request.log.info({ event: 'visitor_erased', by: request.principal?.user.id, ...deleted }, 'visitor data deleted by an admin')
    return reply.header('cache-control', 'no-store').send(erasureJson(visitor, deleted))
  })
}, { name: 'linkprint-admin-visitors', dependencies: ['linkprint-errors', 'linkprint-authentication'], encapsulate: true })
