import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import type { PlainRequest } from './plain-request.js'
import { sendError } from './send-error.js'
import { SILENT_LOG, type SessionCore, type SessionInfo, type SessionUser, type Visitor } from './session-core.js'
import type { VisitorIdentity } from './visitor-identifier.js'

export interface SessionsPluginOptions<U extends SessionUser = SessionUser> {
  readonly core: SessionCore<U>
  /**
   * Which routes get the hook; all by default (linkprint: `/api/` only, redirects have their
   * own pipeline). Decided once per route when it is registered, so other routes pay
   * nothing per request: register the plugin before the routes it is for.
   */
  readonly match?: (route: { readonly url: string; readonly method: string | readonly string[] }) => boolean
  /** The client's address; `request.ip` by default (Fastify's own trustProxy rules). */
  readonly clientIp?: (request: FastifyRequest) => string
  /** Where POST recovery is mounted; `/api/auth/recover` by default, false for none. */
  readonly recoverPath?: string | false
  /** Where POST token renewal (SessionCore.refresh) is mounted; `/api/auth/refresh` by default, false for none. */
  readonly refreshPath?: string | false
  /** Called with each request's visitor after the decorations are set (linkprint sets its `principal` here). */
  readonly onVisitor?: (request: FastifyRequest, visitor: Visitor<U>) => void
}

/** What the plugin shares with the application: the core and the plain view of a request it feeds it. */
export interface SessionsHandle<U extends SessionUser = SessionUser> {
  readonly core: SessionCore<U>
  plain(request: FastifyRequest): PlainRequest
}

/**
 * Seed 000 as a Fastify plugin. An onRequest hook on each route registered after it (and
 * matched) fills `request.identity` (anonymous
 * requests: the four tiers, and an anonymous session whose id goes back as X-Session-Id),
 * `request.user` and `request.session` (Bearer tokens and API keys, no fingerprint work),
 * and answers a bad token with 401 at once. `POST /api/auth/recover` is case 2;
 * `POST /api/auth/refresh` renews a token that is still valid.
 * A route opts out with `config: { sessions: false }`.
 */
export const sessionsPlugin = fp(
  async function sessions(app: FastifyInstance, options: SessionsPluginOptions) {
    const { core } = options
    const match = options.match ?? (() => true)
    const clientIp = options.clientIp ?? ((request: FastifyRequest) => request.ip)
    if (core.log === SILENT_LOG) core.log = app.log
    const plain = (request: FastifyRequest): PlainRequest => ({
      method: request.method, headers: request.headers, ip: clientIp(request), secure: request.protocol === 'https', url: request.url,
    })

    app.decorate('sessions', { core, plain } satisfies SessionsHandle)
    app.decorateRequest('identity', null)
    app.decorateRequest('session', null)
    app.decorateRequest('user', null)

    const hook: onRequestAsyncHookHandler = async function sessionsHook(request, reply) {
      let visitor: Visitor
      try {
        visitor = await core.handle(plain(request))
      } catch (error) {
        return sendError(reply, error)
      }
      request.identity = visitor.identity
      request.session = visitor.session
      request.user = visitor.user
      for (const name in visitor.headers) reply.header(name, visitor.headers[name])
      options.onVisitor?.(request, visitor)
    }
    // Per route, not a global onRequest hook: a route left out (a redirect) costs nothing.
    app.addHook('onRoute', (route) => {
      if (route.config?.sessions === false || !match(route)) return
      const own = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]
      route.onRequest = [hook, ...own]
    })

    const recoverPath = options.recoverPath ?? '/api/auth/recover'
    if (recoverPath !== false) {
      app.post(recoverPath, { config: { sessions: false } }, async (request, reply) => {
        try {
          const { token, sessionId, expiresIn } = await core.recover(plain(request))
          return reply.header('x-session-id', sessionId).header('cache-control', 'no-store').send({ token, sessionId, expiresIn })
        } catch (error) {
          return sendError(reply, error)
        }
      })
    }

    const refreshPath = options.refreshPath ?? '/api/auth/refresh'
    if (refreshPath !== false) {
      // The hook stays off: it would refuse the token of a rotated session as plainly invalid,
      // where the refresh must see the replay and end the session's successors.
      app.post(refreshPath, { config: { sessions: false } }, async (request, reply) => {
        try {
          const { token, sessionId, expiresIn, sessionExpiresAt } = await core.refresh(plain(request))
          return reply.header('x-session-id', sessionId).header('cache-control', 'no-store')
            .send({ token, sessionId, expiresIn, sessionExpiresAt: new Date(sessionExpiresAt).toISOString() })
        } catch (error) {
          return sendError(reply, error)
        }
      })
    }
  },
  { name: 'linkprint-sessions', fastify: '5.x' },
)

declare module 'fastify' {
  interface FastifyInstance {
    sessions: SessionsHandle
  }
  interface FastifyRequest {
    /** Anonymous requests: who is asking and which tier said so. null for signed-in requests (no fingerprint work). */
    identity: VisitorIdentity | null
    /** The anonymous session tracked, or the signed-in token's session. */
    session: SessionInfo | null
    /** The signed-in user (access token or API key), else null. */
    user: SessionUser | null
  }
  interface FastifyContextConfig {
    /** false: the sessions hook leaves this route alone (it does its own authentication, like login and recovery). */
    sessions?: boolean
  }
}
