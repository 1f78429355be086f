/**
 * A small Fastify application that is not linkprint, using linkprint's sessions plugin
 * (seed 000): anonymous visitors identified by their SDK fingerprint and tracked in an
 * anonymous session, signed-in users by token, lost tokens recovered.
 *
 * Sessions live in Redis when REDIS_URL is set, in the database otherwise (SQLite here).
 */
import { createHash, randomBytes } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { hashPassword, verifyPassword } from '../../src/auth/password.js'
import { systemClock } from '../../src/clock.js'
import { AccessTokens, openSessionBackend, SessionCore, sendError, sessionsPlugin, TokenKeyring } from '../../src/sessions/index.js'
import { openRepositories } from '../../src/storage/open-repositories.js'

export const DEMO_USER = { email: 'demo@example.com', password: 'demo-password' }

export interface ExampleOptions {
  readonly databaseUrl?: string
  readonly redisUrl?: string
  /** Signs tokens and keys fingerprint hashes; a random one (tokens die with the process) by default. */
  readonly secret?: string
  readonly logger?: boolean
}

export async function buildExampleApp(options: ExampleOptions = {}): Promise<FastifyInstance> {
  const storage = openRepositories(options.databaseUrl ?? 'sqlite:./data/anonymous-sessions-example.db')
  await storage.migrateUp()
  if (!(await storage.users.findUserByEmail(DEMO_USER.email))) {
    await storage.users.createUser({ email: DEMO_USER.email, passwordHash: await hashPassword(DEMO_USER.password), isAdmin: false, createdAt: Date.now() })
  }
  const backend = await openSessionBackend({ redisUrl: options.redisUrl, storage, clock: systemClock })
  const secret = options.secret ?? randomBytes(32).toString('base64url')

  // The framework-agnostic core: everything the plugin does, it does through this.
  const core = new SessionCore({
    store: backend.store,
    limiter: backend.limiter,
    clock: systemClock,
    tokens: new AccessTokens({ keyring: TokenKeyring.fromSecrets(secret), clock: systemClock }),
    bindingKey: createHash('sha256').update(`session-binding:${secret}`).digest(),
    loadUser: async (id) => {
      const user = await storage.users.findUserById(id)
      return user && { id: user.id, email: user.email }
    },
  })

  const app = Fastify({ logger: options.logger ?? false })
  await app.register(sessionsPlugin, { core })

  // Case 1 and case 3 in one route: the hook has filled request.identity / .session / .user.
  app.get('/api/hello', async (request) => ({
    hello: request.user ? `user ${request.user.id}` : 'anonymous visitor',
    identity: request.identity && { source: request.identity.source, timezone: request.identity.timezone },
    session: request.session && { anonymous: request.session.userId === null, expiresAt: new Date(request.session.expiresAt).toISOString() },
  }))

  // Login binds the new session to the X-Device-Fingerprint it is sent, so it can be recovered.
  app.post<{ Body: { email?: unknown; password?: unknown } }>('/api/login', { config: { sessions: false } }, async (request, reply) => {
    const { email, password } = request.body ?? {}
    try {
      const plain = app.sessions.plain(request)
      const userId = await core.guardLogin(plain, async () => {
        const user = typeof email === 'string' ? await storage.users.findUserByEmail(email) : undefined
        const ok = user !== undefined && typeof password === 'string' && (await verifyPassword(password, user.passwordHash))
        return ok ? user.id : undefined
      })
      const { token, sessionId, expiresIn } = await core.start(userId, plain)
      return { token, sessionId, expiresIn }
    } catch (error) {
      return sendError(reply, error)
    }
  })

  app.addHook('onClose', async () => {
    await backend.close()
    await storage.close()
  })
  return app
}
