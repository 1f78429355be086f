import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'
import { resolveClientIp } from '../../signals/client-ip.js'
import { sessionsPlugin } from '../../sessions/sessions-plugin.js'
import type { User } from '../../storage/storage.js'

export type VisitorSessionsPluginOptions = Pick<Linkprint, 'sessions' | 'clickEnvironment'>

/**
 * linkprint's use of the sessions plugin (src/sessions): on API routes only (a redirect
 * has its own pipeline and must not open sessions), client addresses by TRUST_PROXY as
 * everywhere else, and `request.principal` set for the routes that require a user.
 */
export const visitorSessionsPlugin = fp(async function visitorSessions(app: FastifyInstance, services: VisitorSessionsPluginOptions) {
  const { sessions, clickEnvironment } = services
  await app.register(sessionsPlugin, {
    core: sessions,
    match: (route) => route.url.startsWith('/api/'),
    clientIp: (request) => {
      const peer = request.socket.remoteAddress ?? ''
      return resolveClientIp(peer, request.headers, clickEnvironment.trustedProxies).ip || peer
    },
    onVisitor: (request, visitor) => {
      if (visitor.user && visitor.via) request.principal = { user: visitor.user as User, via: visitor.via, sessionIdHash: visitor.session?.idHash ?? null }
    },
  })
}, { name: 'linkprint-visitor-sessions', dependencies: ['linkprint-authentication'] })
