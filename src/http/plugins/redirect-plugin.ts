import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'
import { runClickPipeline } from '../../decisions/click-pipeline.js'
import { errorBody } from '../../errors.js'
import { publishClick } from '../../events/click-channels.js'
import { SLUG_PATTERN } from '../../links/slug.js'
import type { Link } from '../../storage/storage.js'
import { page } from './error-handling-plugin.js'

const NOT_FOUND_PAGE = page('Not found', 'There is no link here.')
const EXPIRED_PAGE = page('This link has expired', 'The link you followed is no longer available.')
const EXHAUSTED_PAGE = page('This link is no longer available', 'The link you followed has reached its limit.')

export type RedirectPluginOptions = Pick<Linkprint, 'links' | 'writer' | 'metrics' | 'clickEnvironment' | 'clock' | 'config' | 'reclassify'>

/**
 * GET|HEAD /:slug — the hot path. A cached link is answered without awaiting anything;
 * the click goes to the writer's queue and the database never holds up a redirect.
 * `no-store`: a browser that reused a cached redirect would be a click nobody counts.
 *
 * The SDK click (src/sdk/browser, `follow`): a navigation cannot carry the SDK's headers,
 * so the SDK fetches the short link with `Accept: application/json` — exactly that value,
 * one string comparison for every other request — and gets `200 {url, status}` for the
 * same click, recorded by the same pipeline with the same cookie, then navigates there
 * itself. 404 and 410 answer `{error}` with LINK_NOT_FOUND / LINK_EXPIRED / LINK_EXHAUSTED.
 * HEAD keeps the redirect answer. No CORS: a page of another origin cannot read the
 * answer, nor add the SDK headers (they need a preflight nobody answers); what it can
 * send without them (`Accept` is safelisted) a plain <img> could send already.
 */
export const redirectPlugin = fp(async function redirect(app: FastifyInstance, services: RedirectPluginOptions) {
  const { links, writer, metrics, clickEnvironment, clock } = services
  const secure = services.config.publicUrl?.startsWith('https:') ?? false

  function answer(request: FastifyRequest<{ Params: { slug: string } }>, reply: FastifyReply, link: Link | null) {
    const json = request.headers.accept === 'application/json' && request.method === 'GET'
    if (!link) {
      metrics.redirects.notFound.inc()
      if (json) return reply.code(404).header('cache-control', 'no-store').send(errorBody('LINK_NOT_FOUND'))
      return reply.code(404).type('text/html; charset=utf-8').send(NOT_FOUND_PAGE)
    }
    const outcome = runClickPipeline(
      { ts: clock.now(), method: request.method, peerIp: request.socket.remoteAddress ?? '', headers: request.headers, secure: secure || request.protocol === 'https' },
      link,
      clickEnvironment,
    )
    // Earlier clicks this request revealed as scanners (a burst recognised, a time-of-click check confirmed).
    services.reclassify(outcome.reclassified)
    if (outcome.dropped) {
      const expired = outcome.dropped === 'link_expired'
      ;(expired ? metrics.redirects.expired : metrics.redirects.exhausted).inc()
      if (json) return reply.code(410).header('cache-control', 'no-store').send(errorBody(expired ? 'LINK_EXPIRED' : 'LINK_EXHAUSTED'))
      return reply.code(410).type('text/html; charset=utf-8').send(expired ? EXPIRED_PAGE : EXHAUSTED_PAGE)
    }
    writer.enqueue(outcome.record)
    const identity = outcome.context.identity
    if (identity) metrics.identitySources.redirect[identity.source].inc()
    publishClick(clickEnvironment, outcome)
    ;(outcome.bot ? metrics.redirects.bot : metrics.redirects.redirect).inc()
    if (outcome.setCookie) reply.header('set-cookie', outcome.setCookie)
    if (json) return reply.code(200).header('cache-control', 'no-store').send({ url: outcome.location, status: outcome.status })
    return reply.code(outcome.status).header('location', outcome.location).header('cache-control', 'no-store').send()
  }

  app.get<{ Params: { slug: string } }>('/:slug', (request, reply) => {
    const slug = request.params.slug
    if (!SLUG_PATTERN.test(slug)) return answer(request, reply, null)
    const found = links.lookup(slug)
    if (found === null || !(found instanceof Promise)) return answer(request, reply, found)
    return found.then((link) => answer(request, reply, link))
  })
}, { name: 'linkprint-redirect', dependencies: ['linkprint-errors'], encapsulate: true })
