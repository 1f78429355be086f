import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import { browserScripts, type BrowserScript } from '../../sdk/browser-scripts.js'

export const SDK_PATH = '/sdk/linkprint.js'

const ScriptQuery = Type.Object({ v: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })) }, { additionalProperties: false })

/** The versioned URL pages should use: it may be cached for a year, because another build is another URL. */
export function versionedPath(path: string, script: BrowserScript): string {
  return `${path}?v=${script.version}`
}

/**
 * Sends a browser script. With `?v=` of the current build it is immutable for a year;
 * without (or with an old version, which would otherwise pin today's code under
 * yesterday's name) it must be revalidated every time, which costs a 304 at most.
 * `nosniff`: browsers run it only as the JavaScript it says it is.
 */
export function sendScript(request: { query: { v?: string }; headers: { 'if-none-match'?: string } }, reply: FastifyReply, script: BrowserScript) {
  const etag = `"${script.version}"`
  reply
    .type('text/javascript; charset=utf-8')
    .header('x-content-type-options', 'nosniff')
    .header('etag', etag)
    .header('cache-control', request.query.v === script.version ? 'public, max-age=31536000, immutable' : 'no-cache')
  if (request.headers['if-none-match'] === etag) return reply.code(304).send()
  return reply.send(script.code)
}

/**
 * `GET /sdk/linkprint.js`: the browser SDK (src/sdk/browser/), for this service's pages and
 * for any site that links to it. A plain `<script>` needs no CORS; a site that pins the
 * SDK with Subresource Integrity loads it with `crossorigin`, which does, and the script
 * is public and credential-free, so any origin may read it. `cross-origin-resource-policy:
 * cross-origin` lets sites that isolate themselves (COEP) embed it too.
 */
export const sdkPlugin = fp(async function sdk(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { sdk } = await browserScripts()
  app.get(SDK_PATH, { schema: { querystring: ScriptQuery } }, async (request, reply) =>
    sendScript(request, reply.header('cross-origin-resource-policy', 'cross-origin').header('access-control-allow-origin', '*'), sdk),
  )
}, { name: 'linkprint-sdk', dependencies: ['linkprint-errors'], encapsulate: true })
