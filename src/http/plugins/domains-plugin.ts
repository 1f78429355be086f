import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'
import type { Domain } from '../../storage/domains-repository.js'

const HostBody = Type.Object({ host: Type.String({ minLength: 1, maxLength: 260 }) }, { additionalProperties: false })
const HostParams = Type.Object({ host: Type.String({ minLength: 1, maxLength: 260 }) })

/**
 * Short domains besides the default one: admins add and remove them, every user lists them
 * to pick one for a link. A domain links still use cannot be removed (DOMAIN_IN_USE).
 * DELETE takes the host in the path or, as POST does, in a `{host}` body.
 */
export type DomainsPluginOptions = Pick<Linkprint, 'domains' | 'clock'>

export const domainsPlugin = fp(async function domainsRoutes(fastify: FastifyInstance, services: DomainsPluginOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { domains, clock } = services

  app.get('/api/domains', { preValidation: app.requireUser, schema: { summary: 'The short domains a link may use' } }, async () => ({
    default: domains.defaultHost ?? null,
    domains: (await domains.list()).map(domainJson),
  }))

  app.post('/api/domains', { onRequest: app.requireAdmin, schema: { body: HostBody, summary: 'Adds a short domain' } }, async (request, reply) =>
    reply.code(201).send(domainJson(await domains.add(request.body.host, clock.now()))),
  )

  app.delete('/api/domains', { onRequest: app.requireAdmin, schema: { body: HostBody, summary: 'Removes a short domain no link uses' } }, async (request, reply) => {
    await domains.remove(request.body.host)
    return reply.code(204).send()
  })

  app.delete('/api/domains/:host', { onRequest: app.requireAdmin, schema: { params: HostParams, summary: 'Removes a short domain no link uses' } }, async (request, reply) => {
    await domains.remove(request.params.host)
    return reply.code(204).send()
  })
}, { name: 'linkprint-domains', dependencies: ['linkprint-errors', 'linkprint-authentication'], encapsulate: true })

function domainJson(domain: Domain) {
  return { host: domain.host, createdAt: new Date(domain.createdAt).toISOString() }
}
