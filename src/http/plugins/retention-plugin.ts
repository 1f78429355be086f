import type { FastifyInstance } from 'fastify'

/**
 * Runs RETENTION_DAYS in the server (privacy/retention-job.ts): once the server is ready,
 * then hourly; stopped on close before storage is. No routes: `linkprint retention` runs
 * it by hand. Left out of the commands, which build no app and must not delete on their own.
 */
export async function retentionPlugin(app: FastifyInstance) {
  const retention = app.linkprint.retention
  app.addHook('onReady', async () => retention.start())
  app.addHook('onClose', async () => retention.stop())
}
