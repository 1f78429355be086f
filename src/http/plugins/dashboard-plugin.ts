import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'
import { AppError } from '../../errors.js'
import { DASHBOARD_ASSETS_PREFIX, DASHBOARD_PATH, DASHBOARD_SCRIPT_PATH, loadDashboardAssets } from '../dashboard-page.js'
import { geoAttribution } from '../fingerprint-debug.js'
import { sendPage } from '../page-security.js'

export type DashboardPluginOptions = Pick<Linkprint, 'geoDatabase'>

/**
 * `/dashboard`: a static page and one script that signs in and works through the JSON API
 * with `Authorization: Bearer` (dashboard/dashboard.js says where the token is kept and
 * why). The page carries no data, so it needs no authentication to load; everything it
 * shows comes from API calls made with the user's token, and a user sees what the API
 * lets them see (their own links; an admin every link).
 *
 * Only exact paths are registered: `/dashboard/…` has other owners (the SDK's test page).
 * The assets live under their own prefix, where anything unknown is a JSON 404 — a script
 * or stylesheet request has no use for the HTML not-found page.
 */
export const dashboardPlugin = fp(async function dashboard(app: FastifyInstance, services: DashboardPluginOptions) {
  const assets = await loadDashboardAssets(geoAttribution(services))

  // The router's ignoreTrailingSlash makes this `/dashboard/` too.
  app.get(DASHBOARD_PATH, async (_request, reply) =>
    sendPage(reply.header('cross-origin-opener-policy', 'same-origin'), 200, assets.csp, assets.html),
  )

  app.get(DASHBOARD_SCRIPT_PATH, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(assets.script),
  )

  app.get(`${DASHBOARD_ASSETS_PREFIX}*`, async () => {
    throw new AppError('ROUTE_NOT_FOUND', 'No such dashboard file')
  })
}, { name: 'linkprint-dashboard', dependencies: ['linkprint-errors'], encapsulate: true })
