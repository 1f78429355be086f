import type { FastifyInstance } from 'fastify'

export async function healthPlugin(app: FastifyInstance) {
  app.get('/healthz', async () => {
    await app.linkprint.storage.users.countUsers()
    return { status: 'ok', database: app.linkprint.storage.dialect, clickQueue: app.linkprint.writer.pending }
  })
}
