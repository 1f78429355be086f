import type { FastifyInstance, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'

/** A click batch in flight longer than this is a stalled database, not a slow one. */
const STALLED_MS = 10_000
/** The read probe's limit: a database that takes longer is not ready, whatever it says later. */
const PROBE_MS = 3_000

export type HealthPluginOptions = Pick<Linkprint, 'storage' | 'writer'>

/**
 * `/healthz/live`: the process answers (restart it when this fails). `/healthz/ready` and
 * `/healthz`: it can take clicks and store them — the click writer is not failing,
 * stalled or dropping, and the database answers a read within 3 s. 503 with the reason
 * otherwise, so a load balancer stops sending traffic and an operator sees why.
 */
export const healthPlugin = fp(async function health(app: FastifyInstance, services: HealthPluginOptions) {
  const { storage, writer } = services

  async function notReady(): Promise<string | null> {
    const h = writer.health
    if (h.failingSince !== null) return `click writes failing since ${new Date(h.failingSince).toISOString()}: ${h.lastError ?? 'unknown error'}`
    if (h.writingSince !== null && Date.now() - h.writingSince > STALLED_MS) return `a click write has waited ${Math.round((Date.now() - h.writingSince) / 1000)} s for the database`
    if (h.dropping > 0) return `click queue full: ${h.dropping} clicks dropped so far`
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        storage.users.countUsers(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${PROBE_MS / 1000} s`)), PROBE_MS))),
      ])
    } catch (error) {
      return `database unreachable: ${error instanceof Error ? error.message : String(error)}`
    } finally {
      clearTimeout(timer)
    }
    return null
  }

  async function ready(reply: FastifyReply) {
    const reason = await notReady()
    const body = { status: reason ? 'unavailable' : 'ok', database: storage.dialect, clickQueue: writer.pending, ...(reason && { reason }) }
    reply.header('cache-control', 'no-store')
    if (reason) reply.code(503).header('retry-after', '5')
    return body
  }

  app.get('/healthz/live', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    return { status: 'ok' }
  })
  app.get('/healthz/ready', (_request, reply) => ready(reply))
  app.get('/healthz', (_request, reply) => ready(reply))
}, { name: 'linkprint-health', dependencies: ['linkprint-errors'], encapsulate: true })
