import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'
import type { MigrationStatus } from '../../jobs/fingerprint-migration.js'
import { FINGERPRINT_VERSION } from '../../identity/fingerprints.js'

const MigrateBody = Type.Object({ action: Type.Union([Type.Literal('migrate'), Type.Literal('rollback')]) }, { additionalProperties: false })

export type FingerprintMigrationPluginOptions = Pick<Linkprint, 'fingerprintMigration'>

/**
 * Seed 002's `GET|POST /api/admin/migrate-fingerprinting` (admin only): GET reports the
 * algorithm the numbers come from and the job; POST `{"action":"migrate"}` starts the
 * job (202: it runs in the background, GET follows it), `{"action":"rollback"}` serves
 * the legacy numbers again (200). The job itself is jobs/fingerprint-migration.ts;
 * this plugin resumes an interrupted one when the server is ready.
 */
export const fingerprintMigrationPlugin = fp(async function fingerprintMigration(fastify: FastifyInstance, services: FingerprintMigrationPluginOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const migration = services.fingerprintMigration
  // Credentials before the body: a stranger's body is not even parsed.
  app.addHook('onRequest', app.requireAdmin)
  app.addHook('onReady', async () => migration.resume())
  app.addHook('onClose', async () => migration.stop())

  app.get('/api/admin/migrate-fingerprinting', async () => statusJson(migration.status()))

  app.post('/api/admin/migrate-fingerprinting', { schema: { body: MigrateBody } }, async (request, reply) => {
    if (request.body.action === 'rollback') return statusJson(await migration.rollback())
    return reply.code(202).send(statusJson(await migration.migrate()))
  })
}, { name: 'linkprint-fingerprint-migration', dependencies: ['linkprint-errors', 'linkprint-authentication'], encapsulate: true })

export function statusJson(status: MigrationStatus) {
  const { job } = status
  const seconds = job.startedAt !== null ? ((job.finishedAt ?? Date.now()) - job.startedAt) / 1000 : 0
  return {
    algorithm: status.algorithm,
    fingerprintVersion: FINGERPRINT_VERSION,
    job: {
      state: job.state,
      processed: job.processed,
      total: job.total,
      skipped: job.skipped,
      version: job.version,
      resumes: job.resumes,
      startedAt: job.startedAt === null ? null : new Date(job.startedAt).toISOString(),
      finishedAt: job.finishedAt === null ? null : new Date(job.finishedAt).toISOString(),
      clicksPerSecond: seconds > 0 ? Math.round(job.processed / seconds) : null,
      error: job.error,
    },
  }
}
