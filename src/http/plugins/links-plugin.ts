import { Type, type Static, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'
import { AppError } from '../../errors.js'
import type { LinkInput } from '../../links/link-service.js'
import { baseUrlFrom, linkJson } from '../link-json.js'
import { statsJson } from './analytics-plugin.js'
import { principalOf } from './authentication-plugin.js'

const Instant = Type.Union([Type.String({ maxLength: 40 }), Type.Null()])
const LinkFields = {
  url: Type.String({ minLength: 1, maxLength: 4096 }),
  expiresAt: Type.Optional(Instant),
  maxClicks: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1e12 }), Type.Null()])),
  redirectStatus: Type.Optional(Type.Union([Type.Literal(301), Type.Literal(302), Type.Literal(307), Type.Literal(308)])),
  // null: the server's REDIRECT_MODE.
  redirectMode: Type.Optional(Type.Union([Type.Literal('direct'), Type.Literal('bridge'), Type.Null()])),
  tags: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
}
const Domain = Type.String({ minLength: 1, maxLength: 260, description: "A short domain's host (GET /api/domains); the default domain when left out" })
const CreateBody = Type.Object({ ...LinkFields, slug: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), domain: Type.Optional(Domain) }, { additionalProperties: false })
/** Which domain's slug: the same slug may be on several. */
export const DomainQuery = Type.Object({ domain: Type.Optional(Domain) }, { additionalProperties: false })
const UpdateBody = Type.Object(
  { ...LinkFields, url: Type.Optional(LinkFields.url) },
  { additionalProperties: false, minProperties: 1 },
)
const SlugParams = Type.Object({ slug: Type.String({ maxLength: 200 }) })
export const MAX_SEARCH = 200
const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 40 })),
    tag: Type.Optional(Type.String({ maxLength: 64 })),
    // Bounded and free of control characters: a search box's text, never a pattern (the
    // storage takes % and _ literally). Longer than any slug, long enough for a URL's telling part.
    q: Type.Optional(Type.String({ maxLength: MAX_SEARCH, pattern: '^[^\\u0000-\\u001f\\u007f]*$' })),
    all: Type.Optional(Type.Boolean()),
    include: Type.Optional(Type.Literal('stats')),
  },
  { additionalProperties: false },
)

export type LinksPluginOptions = Pick<Linkprint, 'links' | 'storage' | 'writer' | 'config'>

/** The link API (docs/contracts.md): create, list, read, update, delete; users see their own links, admins all. */
export const linksPlugin = fp(async function links(fastify: FastifyInstance, services: LinksPluginOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const baseUrlOf = baseUrlFrom(services.config.publicUrl)
  app.addHook('preValidation', app.requireUser)

  app.post('/api/links', { schema: { body: CreateBody } }, async (request, reply) => {
    const link = await services.links.create(principalOf(request).user, toInput(request.body), request.host)
    return reply.code(201).header('location', `/api/links/${link.slug}`).send(linkJson(link, baseUrlOf(request)))
  })

  /**
   * `q` searches slugs and URLs; `include=stats` adds each link's stats (one query for the
   * page, not one per link); an admin's `all=true` adds each link's owner, which nobody
   * else is shown. Filters and the keyset cursor combine: the cursor is a position in the
   * id order, whatever narrows the list.
   */
  app.get('/api/links', { schema: { querystring: ListQuery } }, async (request) => {
    const { user } = principalOf(request)
    const limit = request.query.limit ?? 50
    const beforeId = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor)
    // Surrounding spaces are the box's, not the search's; an emptied box means no search.
    const search = request.query.q?.trim() || undefined
    const all = request.query.all === true
    const links = await services.links.list(user, {
      limit: limit + 1,
      ...(beforeId !== undefined && { beforeId }),
      ...(request.query.tag !== undefined && { tag: request.query.tag }),
      ...(search !== undefined && { search }),
      all,
    })
    const page = links.slice(0, limit)
    const last = page.at(-1)
    const ids = page.map((l) => l.id)
    const [stats, owners] = await Promise.all([
      request.query.include === 'stats' ? services.storage.analytics.linkStatsOf(ids, {}) : undefined,
      // links.list refused `all` to anyone but an admin.
      all ? services.storage.users.findUsersByIds(page.map((l) => l.userId)) : undefined,
    ])
    const statsById = new Map(stats?.map((s) => [s.linkId, s]))
    const ownerById = new Map(owners?.map((u) => [u.id, u]))
    return {
      links: page.map((l) => {
        const json: Record<string, unknown> = linkJson(l, baseUrlOf(request), services.links.storedClickCount(l))
        const linkStats = statsById.get(l.id)
        if (stats) json.stats = linkStats ? statsJson(linkStats) : null
        const owner = ownerById.get(l.userId)
        if (owners) json.owner = owner ? { id: owner.id, email: owner.email } : null
        return json
      }),
      nextCursor: links.length > limit && last ? encodeCursor(last.id) : null,
    }
  })

  app.get('/api/links/:slug', { schema: { params: SlugParams, querystring: DomainQuery } }, async (request) => {
    const link = await services.links.get(principalOf(request).user, request.params.slug, request.query.domain)
    return linkJson(link, baseUrlOf(request), services.links.storedClickCount(link))
  })

  app.patch('/api/links/:slug', { schema: { params: SlugParams, querystring: DomainQuery, body: UpdateBody } }, async (request) => {
    const link = await services.links.update(principalOf(request).user, request.params.slug, toInput(request.body), request.host, request.query.domain)
    return linkJson(link, baseUrlOf(request), services.links.storedClickCount(link))
  })

  app.delete('/api/links/:slug', { schema: { params: SlugParams, querystring: DomainQuery } }, async (request, reply) => {
    const link = await services.links.delete(principalOf(request).user, request.params.slug, request.query.domain)
    services.writer.forgetLink(link.id)
    return reply.code(204).send()
  })
}, { name: 'linkprint-links', dependencies: ['linkprint-errors', 'linkprint-authentication'], encapsulate: true })

function toInput(body: Partial<Static<typeof CreateBody>>): LinkInput {
  const input: Partial<LinkInput> = {}
  if (body.url !== undefined) input.url = body.url
  if (body.slug !== undefined) input.slug = body.slug
  if (body.expiresAt !== undefined) input.expiresAt = body.expiresAt === null ? null : parseExpiry(body.expiresAt)
  if (body.maxClicks !== undefined) input.maxClicks = body.maxClicks
  if (body.redirectStatus !== undefined) input.redirectStatus = body.redirectStatus
  if (body.redirectMode !== undefined) input.redirectMode = body.redirectMode
  if (body.tags !== undefined) input.tags = body.tags
  if (body.domain !== undefined) input.domain = body.domain
  return input as LinkInput
}

function parseExpiry(value: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN
  if (!Number.isFinite(ms)) throw new AppError('VALIDATION_FAILED', 'expiresAt must be an ISO 8601 date-time')
  return ms
}

function encodeCursor(id: number): string {
  return Buffer.from(`l:${id}`).toString('base64url')
}

function decodeCursor(cursor: string): number {
  const match = /^l:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString())
  if (!match?.[1]) throw new AppError('INVALID_CURSOR')
  return Number(match[1])
}
