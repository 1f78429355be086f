/**
 * The same core without Fastify: SessionCore.handle takes a plain { method, headers, ip }.
 *
 *   npx tsx examples/anonymous-sessions/node-http.ts      # listens on PORT (3101)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { pathToFileURL } from 'node:url'
import { AppError, errorBody } from '../../src/errors.js'
import type { SessionCore } from '../../src/sessions/index.js'
import { buildExampleApp } from './app.js'

/** A node:http handler around the core: case 1 and case 3 on every request, case 2 on POST /api/auth/recover. */
export function nodeHandler(core: SessionCore) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const plain = { method: req.method ?? 'GET', headers: req.headers, ip: req.socket.remoteAddress ?? '', url: req.url }
    try {
      if (req.method === 'POST' && req.url === '/api/auth/recover') {
        const { token, sessionId, expiresIn } = await core.recover(plain)
        return json(res, 200, { token, sessionId, expiresIn }, { 'x-session-id': sessionId, 'cache-control': 'no-store' })
      }
      const visitor = await core.handle(plain)
      return json(res, 200, { identity: visitor.identity?.source ?? null, user: visitor.user?.id ?? null, session: visitor.session !== null }, visitor.headers)
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      const retry = (error.details as { retryAfter?: number } | undefined)?.retryAfter
      return json(res, error.status, errorBody(error.code, error.message, error.details), retry ? { 'retry-after': String(retry) } : {})
    }
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>>) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // The Fastify example app builds the core and its stores; this server only borrows the core.
  const app = await buildExampleApp({ databaseUrl: process.env.DATABASE_URL, redisUrl: process.env.REDIS_URL, secret: process.env.SECRET })
  await app.ready()
  const server: Server = createServer((req, res) => void nodeHandler(app.sessions.core)(req, res))
  const port = Number(process.env.PORT ?? 3101)
  server.listen(port, '127.0.0.1', () => console.log(`node:http example on http://127.0.0.1:${port}`))
  process.once('SIGINT', () => server.close(() => void app.close()))
}
