import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'

export type MetricsPluginOptions = Pick<Linkprint, 'metrics'>

export const metricsPlugin = fp(async function metrics(app: FastifyInstance, services: MetricsPluginOptions) {
  app.get('/metrics', async (_request, reply) => {
    const { registry } = services.metrics
    return reply.type(registry.contentType).send(await registry.metrics())
  })
}, { name: 'linkprint-metrics', dependencies: ['linkprint-errors'], encapsulate: true })
