import { Type, type Static, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { AppError } from '../../errors.js'
import type { LinkInput } from '../../links/link-service.js'
import { baseUrlOf, linkJson } from '../link-json.js'
import { principalOf } from './authentication-plugin.js'

const Instant = Type.Union([Type.String({ maxLength: 40 }), Type.Null()])
const LinkFields = {
  url: Type.String({ minLength: 1, maxLength: 4096 }),
  expiresAt: Type.Optional(Instant),
  maxClicks: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1e12 }), Type.Null()])),
  redirectStatus: Type.Optional(Type.Union([Type.Literal(301), Type.Literal(302), Type.Literal(307), Type.Literal(308)])),
  tags: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
}
const CreateBody = Type.Object({ ...LinkFields, slug: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false })
const UpdateBody = Type.Object(
  { ...LinkFields, url: Type.Optional(LinkFields.url) },
  { additionalProperties: false, minProperties: 1 },
)
const SlugParams = Type.Object({ slug: Type.String({ maxLength: 200 }) })
const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 40 })),
    tag: Type.Optional(Type.String({ maxLength: 64 })),
    all: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

/** The link API of DESIGN.md: create, list, read, update, delete; users see their own links, admins all. */
export async function linksPlugin(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.addHook('preHandler', app.requireUser)

  app.post('/api/links', { schema: { body: CreateBody } }, async (request, reply) => {
    const link = await app.linkprint.links.create(principalOf(request).user, toInput(request.body), request.host)
    return reply.code(201).header('location', `/api/links/${link.slug}`).send(linkJson(link, baseUrlOf(request)))
  })

  app.get('/api/links', { schema: { querystring: ListQuery } }, async (request) => {
    const limit = request.query.limit ?? 50
    const beforeId = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor)
    const links = await app.linkprint.links.list(principalOf(request).user, {
      limit: limit + 1,
      ...(beforeId !== undefined && { beforeId }),
      ...(request.query.tag !== undefined && { tag: request.query.tag }),
      ...(request.query.all !== undefined && { all: request.query.all }),
    })
    const page = links.slice(0, limit)
    const last = page.at(-1)
    return {
      links: page.map((l) => linkJson(l, baseUrlOf(request), app.linkprint.links.storedClickCount(l))),
      nextCursor: links.length > limit && last ? encodeCursor(last.id) : null,
    }
  })

  app.get('/api/links/:slug', { schema: { params: SlugParams } }, async (request) => {
    const link = await app.linkprint.links.get(principalOf(request).user, request.params.slug)
    return linkJson(link, baseUrlOf(request), app.linkprint.links.storedClickCount(link))
  })

  app.patch('/api/links/:slug', { schema: { params: SlugParams, body: UpdateBody } }, async (request) => {
    const link = await app.linkprint.links.update(principalOf(request).user, request.params.slug, toInput(request.body), request.host)
    return linkJson(link, baseUrlOf(request), app.linkprint.links.storedClickCount(link))
  })

  app.delete('/api/links/:slug', { schema: { params: SlugParams } }, async (request, reply) => {
    const link = await app.linkprint.links.delete(principalOf(request).user, request.params.slug)
    app.linkprint.writer.forgetLink(link.id)
    return reply.code(204).send()
  })
}

function toInput(body: Partial<Static<typeof CreateBody>>): LinkInput {
  const input: Partial<LinkInput> = {}
  if (body.url !== undefined) input.url = body.url
  if (body.slug !== undefined) input.slug = body.slug
  if (body.expiresAt !== undefined) input.expiresAt = body.expiresAt === null ? null : parseExpiry(body.expiresAt)
  if (body.maxClicks !== undefined) input.maxClicks = body.maxClicks
  if (body.redirectStatus !== undefined) input.redirectStatus = body.redirectStatus
  if (body.tags !== undefined) input.tags = body.tags
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
