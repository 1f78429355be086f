import { domainsPlugin } from './plugins/domains-plugin.js'
import { linkImportPlugin } from './plugins/link-import-plugin.js'
import { openapiPlugin } from './plugins/openapi-plugin.js'
import { qrCodePlugin } from './plugins/qr-code-plugin.js'
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
import { limitConnectionsPerAddress } from './connection-limits.js'
import { DEBUG_PARTS } from './fingerprint-debug.js'
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
    // Slow clients cannot hold the server (docs/reverse-proxy.md): a trickled body is cut
    // after requestTimeout, checked every second rather than Node's default 30.
    requestTimeout: linkprint.config.requestTimeoutMs,
    keepAliveTimeout: linkprint.config.keepAliveTimeoutMs,
    connectionTimeout: linkprint.config.connectionTimeoutMs,
    http: { headersTimeout: Math.min(linkprint.config.headersTimeoutMs, linkprint.config.requestTimeoutMs), connectionsCheckingInterval: 1_000 },
  })
  const openConnections = limitConnectionsPerAddress(app.server, {
    perAddress: linkprint.config.connectionsPerAddress,
    exempt: (ip) => linkprint.clickEnvironment.trustedProxies.isTrusted(ip),
    onRefused: () => linkprint.metrics.connectionsRefused.inc(),
  })
  linkprint.metrics.openConnections(openConnections)
  app.setValidatorCompiler(requestValidatorCompiler())
  // JSON only: Fastify's default text/plain parser would let a bare string reach the body schemas.
  app.removeContentTypeParser('text/plain')

  // Each plugin gets the parts it declares, and names the plugins whose decorations it
  // uses (fastify-plugin `dependencies`, checked here at start-up).
  const lp = linkprint
  await app.register(errorHandlingPlugin)
  // Before every route: its onRoute hook builds the OpenAPI document from them.
  await app.register(openapiPlugin)
  await app.register(authenticationPlugin, pick(lp, 'auth'))
  await app.register(visitorSessionsPlugin, pick(lp, 'sessions', 'clickEnvironment'))
  await app.register(healthPlugin, pick(lp, 'storage', 'writer'))
  await app.register(metricsPlugin, pick(lp, 'metrics', 'config'))
  await app.register(authRoutesPlugin, pick(lp, 'auth'))
  await app.register(linksPlugin, pick(lp, 'links', 'storage', 'writer', 'config'))
  await app.register(linkImportPlugin, pick(lp, 'links', 'storage'))
  await app.register(analyticsPlugin, pick(lp, 'links', 'storage', 'clock', 'geoDatabase'))
  await app.register(qrCodePlugin, pick(lp, 'links', 'config'))
  await app.register(domainsPlugin, pick(lp, 'domains', 'clock'))
  await app.register(accountAnalyticsPlugin, pick(lp, 'storage', 'clock', 'geoDatabase'))
  await app.register(fingerprintMigrationPlugin, pick(lp, 'fingerprintMigration'))
  await app.register(robustFingerprintDebugPlugin, pick(lp, ...DEBUG_PARTS, 'links', 'clock'))
  await app.register(robustFingerprintMonitorPlugin, pick(lp, ...DEBUG_PARTS, 'clock'))
  await app.register(dashboardPlugin, pick(lp, 'geoDatabase'))
  await app.register(visitorDataPlugin, pick(lp, 'clock', 'clickEnvironment', 'rateLimiter', 'visitorData', 'config', 'metrics'))
  await app.register(visitorIdentityPlugin, pick(lp, 'config', 'clickEnvironment', 'identity'))
  await app.register(sdkPlugin)
  await app.register(fingerprintTestPagePlugin, pick(lp, 'config'))
  await app.register(adminVisitorsPlugin, pick(lp, 'visitorData', 'metrics'))
  await app.register(retentionPlugin, pick(lp, 'retention'))
  await app.register(redirectPlugin, pick(lp, 'links', 'domains', 'writer', 'metrics', 'clickEnvironment', 'clock', 'config', 'reclassify', 'keys'))
  return app
}

/** The parts of the service a plugin declares it needs, and nothing else. */
function pick<K extends keyof Linkprint>(linkprint: Linkprint, ...keys: K[]): Pick<Linkprint, K> {
  return Object.fromEntries(keys.map((key) => [key, linkprint[key]])) as Pick<Linkprint, K>
}
