import type { FastifyInstance } from 'fastify'

export async function metricsPlugin(app: FastifyInstance) {
  app.get('/metrics', async (_request, reply) => {
    const { registry } = app.linkprint.metrics
    return reply.type(registry.contentType).send(await registry.metrics())
  })
}
