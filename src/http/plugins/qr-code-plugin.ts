import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { QR_LIMITS, renderQrCode } from '../../links/qr-code.js'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'
import { baseUrlFrom, shortUrlOf } from '../link-json.js'
import { principalOf } from './authentication-plugin.js'

const SlugParams = Type.Object({ slug: Type.String({ maxLength: 200 }) })
const QrQuery = Type.Object(
  {
    format: Type.Optional(Type.Union([Type.Literal('png'), Type.Literal('svg')], { description: 'png (default) or svg' })),
    size: Type.Optional(Type.Integer({ minimum: QR_LIMITS.size.min, maximum: QR_LIMITS.size.max, description: `width in pixels, default ${QR_LIMITS.size.default}` })),
    margin: Type.Optional(Type.Integer({ minimum: QR_LIMITS.margin.min, maximum: QR_LIMITS.margin.max, description: `quiet zone in modules, default ${QR_LIMITS.margin.default}` })),
    domain: Type.Optional(Type.String({ minLength: 1, maxLength: 260, description: "The link's short domain, when not the default" })),
  },
  { additionalProperties: false },
)

/**
 * `GET /api/links/:slug/qr`: the QR code of a link's short URL, for its owner (and admins),
 * like every other link route. Out-of-bounds values are 400 VALIDATION_FAILED naming the
 * field, from the schema. `?download` names the file, so a plain link saves it.
 */
export type QrCodePluginOptions = Pick<Linkprint, 'links' | 'config'>

export const qrCodePlugin = fp(async function qrCode(fastify: FastifyInstance, services: QrCodePluginOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const baseUrlOf = baseUrlFrom(services.config.publicUrl)
  app.addHook('preValidation', app.requireUser)

  app.get('/api/links/:slug/qr', { schema: { params: SlugParams, querystring: QrQuery, summary: "The QR code of the link's short URL" } }, async (request, reply) => {
    const link = await services.links.get(principalOf(request).user, request.params.slug, request.query.domain)
    const format = request.query.format ?? 'png'
    const image = await renderQrCode(shortUrlOf(link, baseUrlOf(request)), {
      format,
      size: request.query.size ?? QR_LIMITS.size.default,
      margin: request.query.margin ?? QR_LIMITS.margin.default,
    })
    return reply
      .type(image.contentType)
      // The short URL changes only with the link's domain; the owner's browser may keep it briefly.
      .header('cache-control', 'private, max-age=300')
      .header('x-content-type-options', 'nosniff')
      // An SVG opened on its own is a document: no script in it may run.
      .header('content-security-policy', "default-src 'none'")
      .header('content-disposition', `inline; filename="${link.slug}-qr.${format}"`)
      .send(image.body)
  })
}, { name: 'linkprint-qr-code', dependencies: ['linkprint-errors', 'linkprint-authentication'], encapsulate: true })
