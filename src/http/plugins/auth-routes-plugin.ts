import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'
import { sendError } from '../../sessions/send-error.js'
import { principalOf } from './authentication-plugin.js'

const LoginBody = Type.Object(
  { email: Type.String({ minLength: 3, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
)
const KeyBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]*$' }) }, { additionalProperties: false })
const KeyParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) })

export type AuthRoutesPluginOptions = Pick<Linkprint, 'auth'>

/**
 * Login, logout, who am I, and API keys. Recovery (`POST /api/auth/recover`) and renewal
 * (`POST /api/auth/refresh`) are mounted by the sessions plugin (src/sessions/sessions-plugin.ts).
 */
export const authRoutesPlugin = fp(async function authRoutes(fastify: FastifyInstance, services: AuthRoutesPluginOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  // Login authenticates by itself: the sessions hook must neither open an anonymous session
  // for it nor reject it for a stale token the client still sends.
  app.post('/api/auth/login', { schema: { body: LoginBody }, config: { sessions: false } }, async (request, reply) => {
    try {
      const { token, sessionId, expiresIn, sessionExpiresAt } = await services.auth.login(request.body.email, request.body.password, app.sessions.plain(request))
      // sessionExpiresAt: the absolute end that renewals (POST /api/auth/refresh) cannot pass.
      return reply.header('cache-control', 'no-store').send({ token, sessionId, expiresIn, sessionExpiresAt: new Date(sessionExpiresAt).toISOString() })
    } catch (error) {
      // RATE_LIMITED needs its retry-after header; the rest goes to the app's error handler.
      return sendError(reply, error)
    }
  })

  app.post('/api/auth/logout', { preValidation: app.requireUser }, async (request, reply) => {
    const sessionId = request.headers['x-session-id']
    await services.auth.logout(principalOf(request), typeof sessionId === 'string' ? sessionId : undefined)
    return reply.code(204).send()
  })

  app.get('/api/auth/me', { preValidation: app.requireUser }, async (request) => {
    const { user, via } = principalOf(request)
    return { id: user.id, email: user.email, isAdmin: user.isAdmin, via }
  })

  /**
   * Who the API takes the caller for: seed 000's case 1 (identity and anonymous session)
   * or case 3 (user, no fingerprint work). For the SDK and the dashboard's test page. Key
   * values are not echoed: the cookie id is HttpOnly for a reason.
   */
  app.get('/api/auth/session', async (request) => {
    const { identity, session, principal } = request
    return {
      identity: identity && { source: identity.source, timezone: identity.timezone, browserFingerprint: identity.browserKey !== null, rejected: identity.rejected },
      session: session && { anonymous: session.userId === null, deviceBound: session.deviceBound, expiresAt: new Date(session.expiresAt).toISOString() },
      user: principal && { id: principal.user.id, email: principal.user.email, isAdmin: principal.user.isAdmin, via: principal.via },
    }
  })

  /** The key is in this answer only: it is stored as its SHA-256 and cannot be shown again. */
  app.post('/api/auth/keys', { preValidation: app.requireUser, schema: { body: KeyBody } }, async (request, reply) => {
    const { key, id, prefix, createdAt } = await services.auth.issueApiKey(principalOf(request).user.id, request.body.name)
    return reply.code(201).header('cache-control', 'no-store').send({ id, name: request.body.name, prefix, key, createdAt: new Date(createdAt).toISOString() })
  })

  app.get('/api/auth/keys', { preValidation: app.requireUser }, async (request) => {
    const keys = await services.auth.listApiKeys(principalOf(request).user.id)
    return {
      keys: keys.map((k) => ({
        id: k.id, name: k.name, prefix: k.prefix, createdAt: new Date(k.createdAt).toISOString(), revokedAt: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
      })),
    }
  })

  app.delete('/api/auth/keys/:id', { preValidation: app.requireUser, schema: { params: KeyParams } }, async (request, reply) => {
    await services.auth.revokeApiKey(principalOf(request).user.id, request.params.id)
    return reply.code(204).send()
  })
}, { name: 'linkprint-auth-routes', dependencies: ['linkprint-errors', 'linkprint-authentication', 'linkprint-sessions'], encapsulate: true })
