import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { runClickPipeline } from '../../decisions/click-pipeline.js'
import { SLUG_PATTERN } from '../../links/slug.js'
import type { Link } from '../../storage/storage.js'
import { page } from './error-handling-plugin.js'

const NOT_FOUND_PAGE = page('Not found', 'There is no link here.')
const EXPIRED_PAGE = page('This link has expired', 'The link you followed is no longer available.')
const EXHAUSTED_PAGE = page('This link is no longer available', 'The link you followed has reached its limit.')

/**
 * GET|HEAD /:slug — the hot path. A cached link is answered without awaiting anything;
 * the click goes to the writer's queue and the database never holds up a redirect.
 * `no-store`: a browser that reused a cached redirect would be a click nobody counts.
 */
export async function redirectPlugin(app: FastifyInstance) {
  const { links, writer, metrics, clickEnvironment, clock } = app.linkprint
  const secure = app.linkprint.config.publicUrl?.startsWith('https:') ?? false

  function answer(request: FastifyRequest<{ Params: { slug: string } }>, reply: FastifyReply, link: Link | null) {
    if (!link) {
      metrics.redirects.notFound.inc()
      return reply.code(404).type('text/html; charset=utf-8').send(NOT_FOUND_PAGE)
    }
    const outcome = runClickPipeline(
      { ts: clock.now(), method: request.method, peerIp: request.socket.remoteAddress ?? '', headers: request.headers, secure: secure || request.protocol === 'https' },
      link,
      clickEnvironment,
    )
    // Earlier clicks this request revealed as scanners (a burst recognised, a time-of-click check confirmed).
    app.linkprint.reclassify(outcome.reclassified)
    if (outcome.dropped) {
      const expired = outcome.dropped === 'link_expired'
      ;(expired ? metrics.redirects.expired : metrics.redirects.exhausted).inc()
      return reply.code(410).type('text/html; charset=utf-8').send(expired ? EXPIRED_PAGE : EXHAUSTED_PAGE)
    }
    writer.enqueue(outcome.record)
    const identity = outcome.context.identity
    if (identity) metrics.identitySources.redirect[identity.source].inc()
    app.linkprint.onClick?.(outcome)
    ;(outcome.bot ? metrics.redirects.bot : metrics.redirects.redirect).inc()
    reply.code(outcome.status).header('location', outcome.location).header('cache-control', 'no-store')
    if (outcome.setCookie) reply.header('set-cookie', outcome.setCookie)
    return reply.send()
  }

  app.get<{ Params: { slug: string } }>('/:slug', (request, reply) => {
    const slug = request.params.slug
    if (!SLUG_PATTERN.test(slug)) return answer(request, reply, null)
    const found = links.lookup(slug)
    if (found === null || !(found instanceof Promise)) return answer(request, reply, found)
    return found.then((link) => answer(request, reply, link))
  })
}
