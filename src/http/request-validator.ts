import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

const COMMON: Options = { removeAdditional: false, useDefaults: true, allErrors: false, strict: false }

/**
 * Two validators: query strings and path parameters arrive as text and are coerced
 * ("?limit=5" → 5); JSON bodies are taken as sent, so `{"url": 42}` or
 * `{"maxClicks": 0}` are errors rather than "42" and null. Unknown fields are rejected,
 * never silently dropped: a typo like "maxclicks" must not pass as an empty update.
 */
export function requestValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const body = addFormats.default(new Ajv({ ...COMMON, coerceTypes: false }))
  const text = addFormats.default(new Ajv({ ...COMMON, coerceTypes: 'array' }))
  return ({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>
}
