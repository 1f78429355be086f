import type { FastifyError, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { AppError, errorBody, type ErrorCode } from '../../errors.js'
import { isRedisUnavailable } from '../../sessions/redis-unavailable.js'
import { isDatabaseUnavailable } from '../../storage/database-unavailable.js'
import { RouteMethods } from '../route-methods.js'
import { validationMessage, validationProblems } from '../validation-message.js'

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
  FST_ERR_BAD_URL: 'VALIDATION_FAILED',
  FST_ERR_ASYNC_CONSTRAINT: 'VALIDATION_FAILED',
}

/** Every error leaves as `{error: {code, message}}`; only a real fault is a 500, and it is logged. */
export const errorHandlingPlugin = fp(async function errorHandling(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      const retryAfter = (error.details as { retryAfter?: unknown } | undefined)?.retryAfter
      if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter))
      return reply.code(error.status).send(errorBody(error.code, error.message, error.details))
    }
    // A dependency that is down: 503 and when to come back. Not logged per request: the
    // click writer and the Redis connections log their own changes of state, once each.
    const dependency = unavailableDependency(error)
    if (dependency) return reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS)).header('cache-control', 'no-store').send(errorBody(dependency))
    const mapped = (error.code && FASTIFY_CODES[error.code]) || (error instanceof SyntaxError ? 'INVALID_JSON' : undefined)
    if (mapped) {
      const details = error.validation && validationProblems(error.validation)
      const message = details && validationMessage(error.validationContext ?? 'request', details)
      return reply.code(statusOf(mapped)).send(errorBody(mapped, message, details))
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send(errorBody('VALIDATION_FAILED', error.message))
    }
    request.log.error({ err: error }, 'unhandled error')
    return reply.code(500).send(errorBody('INTERNAL'))
  })

  // Registered first (app.ts), so this sees every route the app adds after it.
  const routes = new RouteMethods()
  app.addHook('onRoute', (route) => routes.add(route.method, route.url ?? route.path))

  app.setNotFoundHandler((request, reply) => {
    const allowed = routes.allowed(request.url)
    if (allowed.length > 0) {
      reply.code(405).header('allow', allowed.join(', '))
      if (request.url.startsWith('/api/')) return reply.send(errorBody('METHOD_NOT_ALLOWED', `${request.method} is not allowed here; this path answers ${allowed.join(', ')}`))
      return reply.type('text/html; charset=utf-8').send(page('Method not allowed', 'This page cannot be used this way.'))
    }
    if (request.url.startsWith('/api/')) return reply.code(404).send(errorBody('ROUTE_NOT_FOUND'))
    return reply.code(404).type('text/html; charset=utf-8').send(page('Not found', 'There is no link here.'))
  })
}, { name: 'linkprint-errors' })

const RETRY_AFTER_SECONDS = 5

export function unavailableDependency(error: unknown): 'DATABASE_UNAVAILABLE' | 'REDIS_UNAVAILABLE' | null {
  if (isDatabaseUnavailable(error)) return 'DATABASE_UNAVAILABLE'
  if (isRedisUnavailable(error)) return 'REDIS_UNAVAILABLE'
  return null
}

function statusOf(code: ErrorCode): number {
  return new AppError(code).status
}

export function page(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${title} · linkprint</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1rem;color:#222}h1{font-size:1.6rem}</style></head><body><h1>${title}</h1><p>${text}</p></body></html>`
}
