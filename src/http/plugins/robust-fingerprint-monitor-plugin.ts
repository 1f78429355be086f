import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'
import { AppError } from '../../errors.js'
import { debugCorrelations, debugRecent, debugStats, geoAttribution, type DebugParts } from '../fingerprint-debug.js'
import { sendPage } from '../page-security.js'
import { MONITOR_CSP, MONITOR_PATH, MONITOR_SCRIPT, MONITOR_SCRIPT_PATH, monitorPage, refusalPage } from '../monitor-page.js'
import { statusJson } from './fingerprint-migration-plugin.js'

export type RobustFingerprintMonitorPluginOptions = DebugParts & Pick<Linkprint, 'clock'>

/**
 * Seed 002's `/admin/robust-fingerprint-monitor`: one server-rendered page (no build
 * step) with the migration state, the identity statistics, recent fingerprints and
 * clusters, built from the same functions as the debug API.
 *
 * Authentication is the API's: `Authorization: Bearer <admin API key or token>`. A
 * browser cannot put that on a navigation, so without it the answer is a refusal page
 * (401, 403 for a non-admin) that asks for a token and fetches the page again with it
 * (monitor-page.ts's script). No data ever reaches a non-admin; the token never goes in
 * a URL or a cookie. Every value is escaped; the CSP allows one hashed stylesheet and
 * this origin's script, nothing inline.
 */
export const robustFingerprintMonitorPlugin = fp(async function robustFingerprintMonitor(app: FastifyInstance, services: RobustFingerprintMonitorPluginOptions) {
  app.get(MONITOR_PATH, async (request, reply) => {
    try {
      await app.requireAdmin(request)
    } catch (error) {
      if (error instanceof AppError && (error.status === 401 || error.status === 403)) return sendPage(reply, error.status, MONITOR_CSP, refusalPage(error.status))
      throw error
    }
    const lp = services
    const [stats, recent, correlations] = await Promise.all([debugStats(lp), debugRecent(lp, 25), debugCorrelations(lp, 10)])
    const html = monitorPage({
      generatedAt: lp.clock.now(),
      migration: statusJson(lp.fingerprintMigration.status()),
      stats,
      recent: recent.fingerprints,
      correlations: correlations.clusters,
      attribution: geoAttribution(lp),
    })
    return sendPage(reply, 200, MONITOR_CSP, html)
  })

  app.get(MONITOR_SCRIPT_PATH, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(MONITOR_SCRIPT),
  )
}, { name: 'linkprint-robust-fingerprint-monitor', dependencies: ['linkprint-errors', 'linkprint-authentication'], encapsulate: true })
