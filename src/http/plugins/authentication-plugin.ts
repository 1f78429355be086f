import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Principal } from '../../auth/authenticator.js'
import { AppError } from '../../errors.js'
import type { Linkprint } from '../../linkprint.js'

export type AuthenticationPluginOptions = Pick<Linkprint, 'auth'>

/** Fills request.principal from `Authorization: Bearer <JWT or API key>` on the routes that ask for it. */
export const authenticationPlugin = fp(async function authentication(app: FastifyInstance, services: AuthenticationPluginOptions) {
  app.decorateRequest('principal', null)
  app.decorate('requireUser', async function requireUser(request: FastifyRequest) {
    // The sessions hook (visitor-sessions-plugin.ts) has usually authenticated the request already.
    const principal = request.principal ?? (await services.auth.authenticate(request.headers.authorization))
    if (!principal) throw new AppError('UNAUTHORIZED')
    request.principal = principal
  })
  app.decorate('requireAdmin', async function requireAdmin(request: FastifyRequest) {
    await app.requireUser(request)
    if (!request.principal?.user.isAdmin) throw new AppError('FORBIDDEN')
  })
}, { name: 'linkprint-authentication' })

declare module 'fastify' {
  interface FastifyInstance {
    requireUser(request: FastifyRequest): Promise<void>
    requireAdmin(request: FastifyRequest): Promise<void>
  }
  interface FastifyRequest {
    principal: Principal | null
  }
}

/** The authenticated principal of a route guarded by requireUser. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHORIZED')
  return request.principal
}
