import type { FastifyReply } from 'fastify'
import { AppError, errorBody } from '../errors.js'

/**
 * Answers an AppError as `{error: {code, message}}` with its status, and `retry-after`
 * for RATE_LIMITED. The plugin answers its own errors so that it does not depend on the
 * host application's error handler; anything else is rethrown to that handler.
 */
export function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof AppError)) throw error
  const details = error.details as { retryAfter?: unknown } | undefined
  if (error.code === 'RATE_LIMITED' && typeof details?.retryAfter === 'number') reply.header('retry-after', String(details.retryAfter))
  return reply.code(error.status).header('cache-control', 'no-store').send(errorBody(error.code, error.message, error.details))
}
