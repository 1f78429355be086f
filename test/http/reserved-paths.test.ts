import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RESERVED_SLUGS } from '../../src/links/slug.js'
import { startTestService, type TestService } from '../helpers/test-service.js'

/** Every path the routes answer, rebuilt from Fastify's route tree (children continue their parent's path). */
function routePaths(tree: string): string[] {
  const paths: string[] = []
  const stack: string[] = []
  for (const line of tree.split('\n')) {
    const match = /^((?:│   |    )*)[├└]── (\S+)/.exec(line)
    if (!match) continue
    const depth = match[1]!.length / 4
    stack.length = depth
    stack.push(`${stack[depth - 1] ?? ''}${match[2]}`)
    paths.push(stack[depth]!)
  }
  return paths
}

describe('reserved paths', () => {
  let svc: TestService
  beforeAll(async () => {
    svc = await startTestService('sqlite')
  })
  afterAll(() => svc.close())

  it('cover the first segment of every route the service answers, so no link can shadow a page or the API', () => {
    // A wildcard is printed under the shortest shared prefix, not its own path (`/dashboard-assets/*`
    // shows as `/dashboard` + `*`): left out, its static siblings name the segment.
    const firsts = new Set(routePaths(svc.app.printRoutes({ commonPrefix: false })).map((p) => p.split('/')[1]!).filter((s) => !s.startsWith(':') && !s.includes('*')))
    expect([...firsts]).toEqual(expect.arrayContaining(['api', 'admin', 'dashboard', 'dashboard-assets', 'sdk', 'healthz', 'metrics']))
    for (const segment of firsts) expect(RESERVED_SLUGS.has(segment), `route /${segment}… is not a reserved slug`).toBe(true)
  })
})
