import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Gauge } from 'prom-client'
import { Bridge } from '../../bridge/bridge.js'
import type { BridgeClaims } from '../../bridge/bridge-claims.js'
import { plainReason } from '../../bridge/bridge-rules.js'
import { BridgeTokens, type BridgeVisit } from '../../bridge/bridge-token.js'
import type { HeldClick } from '../../bridge/held-clicks.js'
import { MemoryBridgeClaims } from '../../bridge/memory-bridge-claims.js'
import { RedisBridgeClaims } from '../../bridge/redis-bridge-claims.js'
import { runClickPipeline, type ClickInput, type ClickOutcome } from '../../decisions/click-pipeline.js'
import { errorBody } from '../../errors.js'
import { publishClick } from '../../events/click-channels.js'
import { DEVICE_COOKIE, readCookie } from '../../identity/device-cookie.js'
import type { Linkprint } from '../../linkprint.js'
import { SLUG_PATTERN } from '../../links/slug.js'
import { browserScripts } from '../../sdk/browser-scripts.js'
import { detectBot } from '../../signals/bot-detector.js'
import { requestHost } from '../../signals/request-host.js'
import type { Link } from '../../storage/storage.js'
import { page } from './error-handling-plugin.js'

const NOT_FOUND_PAGE = page('Not found', 'There is no link here.')
const EXPIRED_PAGE = page('This link has expired', 'The link you followed is no longer available.')
const EXHAUSTED_PAGE = page('This link is no longer available', 'The link you followed has reached its limit.')
/** How long a bridge page's token is honoured (its fallback link may be clicked late), and its claim kept a minute longer. */
const TOKEN_TTL_MS = 5 * 60_000

type SlugRequest = FastifyRequest<{ Params: { slug: string }; Querystring: { bridge?: unknown } }>

export type RedirectPluginOptions = Pick<Linkprint, 'links' | 'domains' | 'writer' | 'metrics' | 'clickEnvironment' | 'clock' | 'config' | 'reclassify' | 'keys'>

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
 *
 * The bridge (REDIRECT_MODE=bridge or the link's redirectMode; src/bridge, docs/bridge.md):
 * a browser's first visit gets a page that sends the SDK click itself; its click is held
 * under a one-time `?bridge=` token until the page's click, its fallback link or the
 * deadline claims it. Everyone else (bridge-rules.ts) gets the redirect below.
 */
export const redirectPlugin = fp(async function redirect(app: FastifyInstance, services: RedirectPluginOptions) {
  const { links, writer, metrics, clickEnvironment, clock, config } = services
  const secure = config.publicUrl?.startsWith('https:') ?? false
  const { deviceCookie } = clickEnvironment
  const onError = (error: unknown) => app.log.warn({ err: error }, 'bridge claim store error')

  const claims: BridgeClaims = config.redisUrl
    ? await RedisBridgeClaims.open({ redisUrl: config.redisUrl, prefix: config.redisPrefix, keepMs: TOKEN_TTL_MS + 60_000, onError })
    : new MemoryBridgeClaims(TOKEN_TTL_MS + 60_000, () => clock.now())
  const bridge = new Bridge({
    tokens: new BridgeTokens(services.keys.bridgeToken, TOKEN_TTL_MS),
    claims,
    script: (await browserScripts()).bridge.code,
    deadlineMs: config.bridgeDeadlineMs,
    now: () => clock.now(),
    record: recordHeld,
    onError,
  })
  // One app per service, but a test may build another on the same services: the gauge follows the newest.
  metrics.registry.removeSingleMetric('linkprint_bridge_held_clicks')
  new Gauge({
    name: 'linkprint_bridge_held_clicks', help: 'Clicks of bridge pages waiting for their page\'s click or their deadline (BRIDGE_DEADLINE_MS)', registers: [metrics.registry],
    collect() { this.set(bridge.held) },
  })
  // Before the writer's last flush (the service closes the app first): held clicks are recorded, not lost.
  app.addHook('onClose', () => bridge.close())

  /** Runs the pipeline and queues the click; the answer is the caller's. */
  function record(input: ClickInput, link: Link): ClickOutcome {
    const outcome = runClickPipeline(input, link, clickEnvironment)
    // Earlier clicks this request revealed as scanners (a burst recognised, a time-of-click check confirmed).
    services.reclassify(outcome.reclassified)
    if (outcome.dropped) {
      ;(outcome.dropped === 'link_expired' ? metrics.redirects.expired : metrics.redirects.exhausted).inc()
      return outcome
    }
    writer.enqueue(outcome.record)
    const identity = outcome.context.identity
    if (identity) metrics.identitySources.redirect[identity.source].inc()
    publishClick(clickEnvironment, outcome)
    ;(outcome.bot ? metrics.redirects.bot : metrics.redirects.redirect).inc()
    return outcome
  }

  /** A bridge visit that sent nothing back before its deadline: its own request's plain click. */
  async function recordHeld(click: HeldClick): Promise<void> {
    const link = await links.lookup(click.slug, click.domain)
    if (link && link.id === click.visit.linkId) record(click.input, link)
  }

  function inputOf(request: SlugRequest): ClickInput {
    return { ts: clock.now(), method: request.method, peerIp: request.socket.remoteAddress ?? '', headers: request.headers, secure: secure || request.protocol === 'https' }
  }

  function answer(request: SlugRequest, reply: FastifyReply, link: Link | null, input?: ClickInput) {
    const json = request.headers.accept === 'application/json' && request.method === 'GET'
    if (!link) {
      metrics.redirects.notFound.inc()
      if (json) return reply.code(404).header('cache-control', 'no-store').send(errorBody('LINK_NOT_FOUND'))
      return reply.code(404).type('text/html; charset=utf-8').send(NOT_FOUND_PAGE)
    }
    const outcome = record(input ?? inputOf(request), link)
    if (outcome.dropped) return gone(reply, json, outcome.dropped === 'link_expired')
    if (outcome.setCookie) reply.header('set-cookie', outcome.setCookie)
    if (json) return reply.code(200).header('cache-control', 'no-store').send({ url: outcome.location, status: outcome.status })
    return reply.code(outcome.status).header('location', outcome.location).header('cache-control', 'no-store').send()
  }

  function gone(reply: FastifyReply, json: boolean, expired: boolean) {
    if (json) return reply.code(410).header('cache-control', 'no-store').send(errorBody(expired ? 'LINK_EXPIRED' : 'LINK_EXHAUSTED'))
    return reply.code(410).type('text/html; charset=utf-8').send(expired ? EXPIRED_PAGE : EXHAUSTED_PAGE)
  }

  /** A request carrying a valid token: the visit's click if it claims the visit first, else only the answer. */
  async function settle(request: SlugRequest, reply: FastifyReply, link: Link, visit: BridgeVisit) {
    const outcome = await bridge.claim(visit)
    if (outcome === 'recorded') {
      // The page's own requests carry the page as their referrer; the visitor's came with the page's request.
      const headers = { ...request.headers, referer: visit.referrerHost === null ? undefined : `https://${visit.referrerHost}/` }
      return answer(request, reply, link, { ...inputOf(request), headers })
    }
    const json = request.headers.accept === 'application/json'
    const now = clock.now()
    if (link.expiresAt !== null && now >= link.expiresAt) return gone(reply, json, true)
    if (link.maxClicks !== null && clickEnvironment.clickCount(link) >= link.maxClicks) return gone(reply, json, false)
    if (json) return reply.code(200).header('cache-control', 'no-store').send({ url: link.url, status: link.redirectStatus })
    return reply.code(link.redirectStatus).header('location', link.url).header('cache-control', 'no-store').send()
  }

  function route(request: SlugRequest, reply: FastifyReply, link: Link | null) {
    if (!link) return answer(request, reply, null)
    const token = request.query.bridge
    if (typeof token === 'string' && request.method === 'GET') {
      const visit = bridge.visitOf(token, link)
      if (visit) return settle(request, reply, link, visit)
    }
    const reason = plainReason({
      mode: config.bridgeAllowed ? link.redirectMode ?? config.redirectMode : 'direct',
      method: request.method,
      headers: request.headers,
      privacyMode: config.privacyMode,
      isBot: () => detectBot({ method: request.method, userAgent: request.headers['user-agent'], headers: request.headers }).bot,
      hasCookie: () => deviceCookie.verify(readCookie(request.headers.cookie, DEVICE_COOKIE)) !== null,
      linkAvailable: () => (link.expiresAt === null || clock.now() < link.expiresAt) && (link.maxClicks === null || clickEnvironment.clickCount(link) < link.maxClicks),
      bridgeReady: () => bridge.ready(),
    })
    if (reason !== null) return answer(request, reply, link)
    const input = inputOf(request)
    const served = bridge.page(input, link, referrerHost(request.headers.referer))
    metrics.redirects.bridge.inc()
    return reply.code(200).headers(served.headers).send(served.body)
  }

  app.get<{ Params: { slug: string }; Querystring: { bridge?: unknown } }>('/:slug', (request, reply) => {
    const slug = request.params.slug
    // The short domain this host serves (TRUST_PROXY decides whether X-Forwarded-Host counts); unknown: 404.
    const domain = services.domains.domainOf(requestHost(request.socket.remoteAddress ?? '', request.headers, clickEnvironment.trustedProxies))
    if (!SLUG_PATTERN.test(slug) || domain === null) return answer(request, reply, null)
    const found = links.lookup(slug, domain)
    if (found === null || !(found instanceof Promise)) return route(request, reply, found)
    return found.then((link) => route(request, reply, link))
  })
}, { name: 'linkprint-redirect', dependencies: ['linkprint-errors'], encapsulate: true })

function referrerHost(referer: string | undefined): string | null {
  if (!referer || referer.length > 2048) return null
  try {
    const url = new URL(referer)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.hostname.toLowerCase() : null
  } catch {
    return null
  }
}
