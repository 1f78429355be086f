import type { FastifyReply } from 'fastify'
import { AppError, errorBody } from '../errors.js'
import { isRedisUnavailable } from './redis-unavailable.js'

/**
 * Answers an AppError as `{error: {code, message}}` with its status, and `retry-after`
 * when it says when to come back (RATE_LIMITED, SERVER_BUSY); a Redis outage is 503 REDIS_UNAVAILABLE. The plugin answers its own errors so that it does not depend on the
 * host application's error handler; anything else is rethrown to that handler.
 */
export function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  if (isRedisUnavailable(error)) return reply.code(503).header('retry-after', '5').header('cache-control', 'no-store').send(errorBody('REDIS_UNAVAILABLE'))
  if (!(error instanceof AppError)) throw error
  const details = error.details as { retryAfter?: unknown } | undefined
  if (typeof details?.retryAfter === 'number') reply.header('retry-after', String(details.retryAfter))
  return reply.code(error.status).header('cache-control', 'no-store').send(errorBody(error.code, error.message, error.details))
}
