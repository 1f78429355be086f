import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'
import { debugCorrelations, debugRecent, debugStats, explainRequest, type DebugParts } from '../fingerprint-debug.js'
import { principalOf } from './authentication-plugin.js'

const DebugQuery = Type.Object(
  {
    action: Type.Union([Type.Literal('test'), Type.Literal('stats'), Type.Literal('recent'), Type.Literal('correlations')]),
    /** Rows for recent (default 50) and correlations (default 20). */
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    /** test: also say whether the click would be unique on this link. */
    slug: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
)

export type RobustFingerprintDebugPluginOptions = DebugParts & Pick<Linkprint, 'links' | 'clock'>

/**
 * Seed 002's `GET /api/debug/robust-fingerprint?action=test|stats|recent|correlations`
 * (admin only; fingerprint-debug.ts builds the answers). `test` explains the request
 * itself and records nothing.
 */
export const robustFingerprintDebugPlugin = fp(async function robustFingerprintDebug(fastify: FastifyInstance, services: RobustFingerprintDebugPluginOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.addHook('onRequest', app.requireAdmin)

  app.get('/api/debug/robust-fingerprint', { schema: { querystring: DebugQuery } }, async (request, reply) => {
    const lp = services
    const { action, limit, slug } = request.query
    reply.header('cache-control', 'no-store')
    switch (action) {
      case 'test': {
        const link = slug === undefined ? null : await lp.links.get(principalOf(request).user, slug)
        const secure = lp.config.publicUrl?.startsWith('https:') || request.protocol === 'https'
        return explainRequest(lp, { ts: lp.clock.now(), method: 'GET', peerIp: request.socket.remoteAddress ?? '', headers: request.headers, secure }, link)
      }
      case 'stats':
        return debugStats(lp)
      case 'recent':
        return debugRecent(lp, limit ?? 50)
      case 'correlations':
        return debugCorrelations(lp, limit ?? 20)
    }
  })
}, { name: 'linkprint-robust-fingerprint-debug', dependencies: ['linkprint-errors', 'linkprint-authentication'], encapsulate: true })
