import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'

export type RetentionPluginOptions = Pick<Linkprint, 'retention'>

/**
 * Runs RETENTION_DAYS in the server (privacy/retention-job.ts): once the server is ready,
 * then hourly; stopped on close before storage is. No routes: `linkprint retention` runs
 * it by hand. Left out of the commands, which build no app and must not delete on their own.
 */
export const retentionPlugin = fp(async function retention(app: FastifyInstance, services: RetentionPluginOptions) {
  const retention = services.retention
  app.addHook('onReady', async () => retention.start())
  app.addHook('onClose', async () => retention.stop())
}, { name: 'linkprint-retention', encapsulate: true })
