import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { AppError } from '../../errors.js'
import type { Linkprint } from '../../linkprint.js'

export type MetricsPluginOptions = Pick<Linkprint, 'metrics' | 'config'>

/** `/metrics` shows click volumes: with METRICS_TOKEN set, only `Authorization: Bearer <token>` reads it. */
export const metricsPlugin = fp(async function metrics(app: FastifyInstance, services: MetricsPluginOptions) {
  const token = services.config.metricsToken
  // Compared as digests: equal lengths for timingSafeEqual, and no length leak.
  const expected = token === undefined ? null : createHash('sha256').update(`Bearer ${token}`).digest()
  app.get('/metrics', async (request, reply) => {
    if (expected) {
      const given = createHash('sha256').update(request.headers.authorization ?? '').digest()
      if (!timingSafeEqual(given, expected)) {
        reply.header('www-authenticate', 'Bearer')
        throw new AppError(request.headers.authorization === undefined ? 'UNAUTHORIZED' : 'INVALID_TOKEN')
      }
    }
    const { registry } = services.metrics
    return reply.type(registry.contentType).send(await registry.metrics())
  })
}, { name: 'linkprint-metrics', dependencies: ['linkprint-errors'], encapsulate: true })
