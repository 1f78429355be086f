import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { AppError } from '../../errors.js'

/** `/metrics` shows click volumes: with METRICS_TOKEN set, only `Authorization: Bearer <token>` reads it. */
export async function metricsPlugin(app: FastifyInstance) {
  const token = app.linkprint.config.metricsToken
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
    const { registry } = app.linkprint.metrics
    return reply.type(registry.contentType).send(await registry.metrics())
  })
}
