import { Ajv } from 'ajv'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ERRORS } from '../../src/errors.js'
import { DOCS_CSP } from '../../src/http/plugins/openapi-plugin.js'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

type Operation = { parameters?: Array<{ in: string; name: string; required?: boolean; schema?: object }>; requestBody?: { content: Record<string, { schema?: object }> }; responses: Record<string, { description?: string; content?: Record<string, { schema?: { $ref?: string } }> }>; security?: Array<Record<string, string[]>> }
type Doc = { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, object>; securitySchemes: Record<string, { type: string; scheme?: string }> } }

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

/**
 * No maintained OpenAPI validator is among the dependencies, so the structure is checked
 * here against the OpenAPI 3.0 rules a client generator trips on: required fields, path
 * templates with their parameters, references that resolve, valid JSON Schemas, error
 * answers in the documented shape, and access as the routes really enforce it.
 */
for (const dialect of DIALECTS) {
  describe(`OpenAPI document on ${dialect}`, () => {
    let svc: TestService
    let userKey: string
    let doc: Doc
    beforeAll(async () => {
      svc = await startTestService(dialect, { PUBLIC_URL: 'https://sho.rt' })
      userKey = await svc.addUser('user@example.com')
      const res = await svc.app.inject({ url: '/api/openapi.json' })
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toMatch(/^application\/json/)
      doc = res.json()
    }, 60_000)
    afterAll(() => svc.close())

    const operations = () => Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).filter(([m]) => METHODS.includes(m)).map(([method, op]) => ({ path, method, op })))

    it('is an OpenAPI 3.0 document with info, paths and the bearer scheme', () => {
      expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/)
      expect(doc.info).toMatchObject({ title: 'linkprint', version: expect.any(String) })
      expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }))
      expect(operations().length).toBeGreaterThan(20)
    })

    it('covers every /api route the server answers', () => {
      const documented = new Set(operations().map(({ path, method }) => `${method.toUpperCase()} ${path}`))
      const missing = svc.app.apiRoutes
        .filter((r) => !r.url.startsWith('/api/docs'))
        .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`)
        .filter((r) => !documented.has(r))
      expect(missing).toEqual([])
      for (const route of ['POST /api/links', 'GET /api/links/{slug}/stats', 'POST /api/admin/migrate-fingerprinting', 'GET /api/debug/robust-fingerprint', 'GET /api/openapi.json']) {
        expect(documented).toContain(route)
      }
    })

    it('declares every path template parameter, with a schema', () => {
      for (const { path, method, op } of operations()) {
        const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])
        const declared = (op.parameters ?? []).filter((p) => p.in === 'path')
        expect(declared.map((p) => p.name).sort(), `${method} ${path}`).toEqual(names.sort())
        for (const p of declared) expect(p.required, `${method} ${path} ${p.name}`).toBe(true)
        for (const p of op.parameters ?? []) expect(p.schema, `${method} ${path} ${p.name}`).toBeTypeOf('object')
      }
    })

    it('answers errors in the {error: {code, message}} shape, with the stable codes', () => {
      const apiError = doc.components.schemas.ApiError as { properties: { error: { required: string[]; properties: { code: { enum: string[] } } } } }
      expect(apiError.properties.error.required).toEqual(['code', 'message'])
      expect(apiError.properties.error.properties.code.enum.sort()).toEqual(Object.keys(ERRORS).sort())
      for (const { path, method, op } of operations()) {
        const statuses = Object.keys(op.responses)
        expect(statuses.some((s) => /^2/.test(s)), `${method} ${path} has a success answer`).toBe(true)
        for (const status of statuses) {
          const response = op.responses[status]!
          expect(response.description, `${method} ${path} ${status}`).toBeTruthy()
          if (/^[45]/.test(status)) expect(response.content?.['application/json']?.schema?.$ref, `${method} ${path} ${status}`).toBe('#/components/schemas/ApiError')
        }
        if (path.startsWith('/api/') && (op.requestBody || op.parameters?.length)) expect(statuses, `${method} ${path}`).toContain('400')
      }
    })

    it('holds only references that resolve and schemas that compile', () => {
      const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!)
      for (const ref of refs) {
        expect(ref).toMatch(/^#\/components\/schemas\//)
        expect(doc.components.schemas[ref.slice('#/components/schemas/'.length)], ref).toBeDefined()
      }
      // OpenAPI 3.0's `nullable` is not JSON Schema; strict: false lets Ajv ignore it.
      const ajv = new Ajv({ strict: false })
      for (const [name, schema] of Object.entries(doc.components.schemas)) ajv.addSchema(schema, `#/components/schemas/${name}`)
      for (const { path, method, op } of operations()) {
        const schemas = [...(op.parameters ?? []).map((p) => p.schema), ...Object.values(op.requestBody?.content ?? {}).map((c) => c.schema)]
        for (const schema of schemas) if (schema && !JSON.stringify(schema).includes('$ref')) expect(() => ajv.compile(schema), `${method} ${path}`).not.toThrow()
      }
    })

    it('declares the access each route enforces: bearer routes refuse a request without one, admin routes a plain user', async () => {
      const checked: string[] = []
      for (const { path, method, op } of operations()) {
        if (!path.startsWith('/api/')) continue
        const url = path.replace(/\{(\w+)\}/g, '1')
        const secured = (op.security ?? []).some((s) => 'bearer' in s)
        const anonymous = await svc.app.inject({ method: method.toUpperCase() as 'GET', url })
        const code = anonymous.statusCode === 204 ? null : (anonymous.json() as { error?: { code: string } }).error?.code
        if (secured) {
          // Body validation runs before the user check in some plugins: a 400 tells nothing about access.
          if (anonymous.statusCode !== 400) expect([anonymous.statusCode, code], `${method} ${path}`).toEqual([401, 'UNAUTHORIZED'])
        } else {
          expect(code, `${method} ${path} is public`).not.toBe('UNAUTHORIZED')
        }
        if (op.responses['403']) {
          const asUser = await svc.app.inject({ method: method.toUpperCase() as 'GET', url, headers: bearer(userKey) })
          expect([asUser.statusCode, asUser.json().error?.code], `${method} ${path} as a plain user`).toEqual([403, 'FORBIDDEN'])
        }
        checked.push(`${method} ${path}`)
      }
      expect(checked.length).toBeGreaterThan(15)
    })

    it('serves the reference page and its assets locally, under a CSP without inline script or other origins', async () => {
      const page = await svc.app.inject({ url: '/api/docs' })
      expect(page.statusCode).toBe(200)
      expect(page.headers['content-security-policy']).toBe(DOCS_CSP)
      expect(DOCS_CSP).not.toMatch(/unsafe-eval|https?:|\*/)
      expect(DOCS_CSP).toMatch(/script-src 'self'(;|$)/)
      const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
      expect(assets.length).toBeGreaterThan(3)
      for (const asset of assets) {
        expect(asset, 'no CDN').toMatch(/^\/api\/docs\//)
        const res = await svc.app.inject({ url: asset })
        expect(res.statusCode, asset).toBe(200)
        expect(res.headers['content-security-policy'], asset).toBe(DOCS_CSP)
      }
      expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)/)
    })
  })
}
