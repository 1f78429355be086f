import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { principalOf } from './authentication-plugin.js'

const LoginBody = Type.Object(
  { email: Type.String({ minLength: 3, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
)

export async function authRoutesPlugin(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.post('/api/auth/login', { schema: { body: LoginBody } }, async (request) => {
    const { token, sessionId, expiresIn } = await app.linkprint.auth.login(request.body.email, request.body.password)
    return { token, sessionId, expiresIn }
  })

  app.post('/api/auth/logout', { preHandler: app.requireUser }, async (request, reply) => {
    const sessionId = request.headers['x-session-id']
    await app.linkprint.auth.logout(principalOf(request), typeof sessionId === 'string' ? sessionId : undefined)
    return reply.code(204).send()
  })

  app.get('/api/auth/me', { preHandler: app.requireUser }, async (request) => {
    const { user, via } = principalOf(request)
    return { id: user.id, email: user.email, isAdmin: user.isAdmin, via }
  })
}
