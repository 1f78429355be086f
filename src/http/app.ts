import Fastify, { LogController, type FastifyInstance } from 'fastify'
import type { Linkprint } from '../linkprint.js'
import { adminVisitorsPlugin } from './plugins/admin-visitors-plugin.js'
import { accountAnalyticsPlugin } from './plugins/account-analytics-plugin.js'
import { analyticsPlugin } from './plugins/analytics-plugin.js'
import { dashboardPlugin } from './plugins/dashboard-plugin.js'
import { fingerprintMigrationPlugin } from './plugins/fingerprint-migration-plugin.js'
import { fingerprintTestPagePlugin } from './plugins/fingerprint-test-page-plugin.js'
import { robustFingerprintDebugPlugin } from './plugins/robust-fingerprint-debug-plugin.js'
import { robustFingerprintMonitorPlugin } from './plugins/robust-fingerprint-monitor-plugin.js'
import { authenticationPlugin } from './plugins/authentication-plugin.js'
import { authRoutesPlugin } from './plugins/auth-routes-plugin.js'
import { errorHandlingPlugin } from './plugins/error-handling-plugin.js'
import { healthPlugin } from './plugins/health-plugin.js'
import { linksPlugin } from './plugins/links-plugin.js'
import { metricsPlugin } from './plugins/metrics-plugin.js'
import { redirectPlugin } from './plugins/redirect-plugin.js'
import { retentionPlugin } from './plugins/retention-plugin.js'
import { sdkPlugin } from './plugins/sdk-plugin.js'
import { visitorDataPlugin } from './plugins/visitor-data-plugin.js'
import { visitorIdentityPlugin } from './plugins/visitor-identity-plugin.js'
import { visitorSessionsPlugin } from './plugins/visitor-sessions-plugin.js'
import { requestValidatorCompiler } from './request-validator.js'

export interface AppOptions {
  logger?: boolean | { level: string }
}

export const BODY_LIMIT = 64 * 1024

/** Builds the app without listening: the CLI starts it, tests call app.inject. */
export async function buildApp(linkprint: Linkprint, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    // Client addresses come from signals/client-ip (TRUST_PROXY), not from Fastify's own proxy handling.
    trustProxy: false,
    bodyLimit: BODY_LIMIT,
    // A log line per redirect would cost more than the redirect itself; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
  })
  app.decorate('linkprint', linkprint)
  app.setValidatorCompiler(requestValidatorCompiler())
  // JSON only: Fastify's default text/plain parser would let a bare string reach the body schemas.
  app.removeContentTypeParser('text/plain')

  await app.register(errorHandlingPlugin)
  await app.register(authenticationPlugin)
  await app.register(visitorSessionsPlugin)
  await app.register(healthPlugin)
  await app.register(metricsPlugin)
  await app.register(authRoutesPlugin)
  await app.register(linksPlugin)
  await app.register(analyticsPlugin)
  await app.register(accountAnalyticsPlugin)
  await app.register(fingerprintMigrationPlugin)
  await app.register(robustFingerprintDebugPlugin)
  await app.register(robustFingerprintMonitorPlugin)
  await app.register(dashboardPlugin)
  await app.register(visitorDataPlugin)
  await app.register(visitorIdentityPlugin)
  await app.register(sdkPlugin)
  await app.register(fingerprintTestPagePlugin)
  await app.register(adminVisitorsPlugin)
  await app.register(retentionPlugin)
  await app.register(redirectPlugin)
  return app
}

declare module 'fastify' {
  interface FastifyInstance {
    linkprint: Linkprint
  }
}
