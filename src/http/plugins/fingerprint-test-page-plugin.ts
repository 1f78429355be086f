import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'
import { browserScripts } from '../../sdk/browser-scripts.js'
import { sendPage } from '../page-security.js'
import { TEST_PAGE_CSP, TEST_PAGE_PATH, TEST_PAGE_SCRIPT_PATH, testPage } from '../fingerprint-test-page.js'
import { SDK_PATH, sendScript, versionedPath } from './sdk-plugin.js'

const PageQuery = Type.Object({ link: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })) }, { additionalProperties: false })
const ScriptQuery = Type.Object({ v: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })) }, { additionalProperties: false })

export type FingerprintTestPagePluginOptions = Pick<Linkprint, 'config'>

/**
 * `GET /dashboard/test-enhanced-fingerprint` (seed 004) and its script. No login: it is how
 * anyone checks their setup with several browsers, and it shows a browser only its own
 * identity (GET /api/visitor/identity). Its exact paths only: `/dashboard` itself is the
 * links dashboard's. The monitor page's habits: a CSP with no inline script and one hashed
 * stylesheet, everything escaped, no caching of the page, no framing, no referrer.
 */
export const fingerprintTestPagePlugin = fp(async function fingerprintTestPage(fastify: FastifyInstance, services: FingerprintTestPagePluginOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const scripts = await browserScripts()
  const sdkSrc = versionedPath(SDK_PATH, scripts.sdk)
  const scriptSrc = versionedPath(TEST_PAGE_SCRIPT_PATH, scripts.testPage)

  app.get(TEST_PAGE_PATH, { schema: { querystring: PageQuery } }, async (request, reply) =>
    sendPage(reply, 200, TEST_PAGE_CSP, testPage({ sdkSrc, scriptSrc, privacyMode: services.config.privacyMode, link: request.query.link ?? null })),
  )

  app.get(TEST_PAGE_SCRIPT_PATH, { schema: { querystring: ScriptQuery } }, async (request, reply) => sendScript(request, reply, scripts.testPage))
}, { name: 'linkprint-fingerprint-test-page', dependencies: ['linkprint-errors'], encapsulate: true })
