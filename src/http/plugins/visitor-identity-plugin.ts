import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'
import { AppError } from '../../errors.js'
import { DEVICE_COOKIE, readCookie } from '../../identity/device-cookie.js'

const NoQuery = Type.Object({}, { additionalProperties: false })

export const VISITOR_IDENTITY_PATH = '/api/visitor/identity'

export type VisitorIdentityPluginOptions = Pick<Linkprint, 'config' | 'clickEnvironment' | 'identity'>

/**
 * `GET /api/visitor/identity`: what the server makes of the caller's own browser, for the
 * test page (seed 004: "verify correlations, show confidence"). Two answers in one:
 *
 * - `request`: how this very request was identified (seed 000's tier, the SDK headers
 *   taken or refused and why), from the sessions hook; null for a signed-in caller, for
 *   whom no fingerprint work is done.
 * - `browser`: the identity engine's view of the storage context the signed `device_fp`
 *   cookie names — its browser and device clusters, the confidence and evidence that
 *   placed it. Like `/api/visitor/data`, only the cookie opens it: SDK hashes are not
 *   secrets. Only this context's own facts are told; of the other contexts the engine
 *   joined to it, only how many there are (the cluster ids are the oldest member's id, as
 *   the visitor export names them; without the cookie's signature an id opens nothing).
 *   null until the browser has clicked a link
 *   (API requests with SDK headers set no cookie, a redirect does).
 *
 * A memory lookup and one HMAC check: no rate limit beyond the sessions hook's own.
 */
export const visitorIdentityPlugin = fp(async function visitorIdentity(fastify: FastifyInstance, services: VisitorIdentityPluginOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.get(VISITOR_IDENTITY_PATH, { schema: { querystring: NoQuery } }, async (request, reply) => {
    const lp = services
    const h = request.headers
    const privacyMode = h['sec-gpc'] === '1' || h.dnt === '1' ? 'strict' : lp.config.privacyMode
    const raw = readCookie(typeof h.cookie === 'string' ? h.cookie : undefined, DEVICE_COOKIE)
    const id = raw === undefined || raw === '' ? null : lp.clickEnvironment.deviceCookie.verify(raw)
    if (raw !== undefined && raw !== '' && id === null) throw new AppError('VISITOR_COOKIE_INVALID')
    const state = lp.identity.state
    const entity = id === null ? undefined : state.get(id)
    const identity = request.identity
    reply.header('cache-control', 'no-store')
    return {
      privacyMode,
      sdkHeadersCount: privacyMode === 'full',
      request: identity && {
        source: identity.source,
        timezone: identity.timezone,
        deviceFingerprint: identity.source === 'client_header',
        browserFingerprint: identity.browserKey !== null,
        rejected: identity.rejected,
      },
      browser: entity ? {
        browserId: state.find('browser', entity.key),
        deviceId: state.find('device', entity.key),
        confidence: Math.round(entity.confidence),
        correlationType: entity.correlationType,
        factors: entity.factors,
        sdk: { device: entity.sdkDevice !== null, browser: entity.sdkBrowser !== null },
        browserName: entity.browserName,
        osName: entity.osName,
        deviceType: entity.deviceType,
        firstSeen: new Date(entity.firstSeen).toISOString(),
        lastSeen: new Date(entity.lastSeen).toISOString(),
        contextsInBrowser: state.clusterSize('browser', entity.key),
        contextsInDevice: state.clusterSize('device', entity.key),
      } : null,
    }
  })
}, { name: 'linkprint-visitor-identity', dependencies: ['linkprint-errors', 'linkprint-sessions'], encapsulate: true })
