import { parseArgs } from 'node:util'
import { bootstrapAdmin } from '../auth/bootstrap-admin.js'
import { loadConfig } from '../config/config.js'
import { buildApp } from '../http/app.js'
import { createLinkprint, type LinkprintLog } from '../linkprint.js'
import type { Command } from './main.js'

/**
 * Starts the service. SIGTERM/SIGINT: stop accepting, finish the requests in flight,
 * write every queued click, close the database, exit 0 — a graceful stop loses no click.
 */
export const serveCommand: Command = async (args, io) => {
  parseArgs({ args: args, options: { json: { type: 'boolean' } }, allowPositionals: true })
  const config = loadConfig(io.env)
  let log: LinkprintLog | undefined
  // The app (and its logger) comes after the services; until then lines go to stderr.
  const early = (details: object, message: string) => io.err(`${message} ${JSON.stringify(details)}`)
  const logTo: LinkprintLog = { info: (d, m) => (log ? log.info(d, m) : early(d, m)), warn: (d, m) => (log ? log.warn(d, m) : early(d, m)), error: (d, m) => (log ? log.error(d, m) : early(d, m)) }
  const linkprint = await createLinkprint(config, { log: logTo, onError: (error) => logTo.error({ err: error }, 'background work failed (retention, migration or Redis)') })
  await bootstrapAdmin(linkprint, io.out)
  const app = await buildApp(linkprint, { logger: { level: config.logLevel } })
  log = app.log
  let address: string
  try {
    address = await app.listen({ port: config.port, host: config.host })
  } catch (error) {
    // A port in use: nothing was answered, but the database and its writer are open.
    await app.close()
    await linkprint.close()
    throw error
  }
  io.out(`linkprint listening on ${address} (database: ${linkprint.storage.dialect})`)

  return new Promise<number>((resolve) => {
    let stopping = false
    const stop = async (signal: string) => {
      if (stopping) return
      stopping = true
      app.log.info({ signal }, 'stopping: draining requests and writing queued clicks')
      try {
        await app.close()
        await linkprint.close()
        resolve(0)
      } catch (error) {
        app.log.error({ err: error }, 'stop failed')
        resolve(1)
      }
    }
    process.once('SIGTERM', () => void stop('SIGTERM'))
    process.once('SIGINT', () => void stop('SIGINT'))
  })
}
