import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'

export type HealthPluginOptions = Pick<Linkprint, 'storage' | 'writer'>

export const healthPlugin = fp(async function health(app: FastifyInstance, services: HealthPluginOptions) {
  app.get('/healthz', async () => {
    await services.storage.users.countUsers()
    return { status: 'ok', database: services.storage.dialect, clickQueue: services.writer.pending }
  })
}, { name: 'linkprint-health', dependencies: ['linkprint-errors'], encapsulate: true })
