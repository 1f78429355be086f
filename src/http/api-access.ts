/** Who may call an API route: anyone, a signed-in user (token or API key), or an admin. */
export type ApiAccess = 'public' | 'user' | 'admin'

/**
 * The access of each /api route, as the OpenAPI document declares it. The plugins enforce
 * access with their own hooks; test/http/openapi.test.ts calls every route without a token
 * and with a plain user's, so this table cannot drift from what the routes do.
 * First match wins; `METHOD path` entries before path prefixes.
 */
const RULES: ReadonlyArray<readonly [pattern: string, access: ApiAccess]> = [
  ['POST /api/auth/login', 'public'],
  ['POST /api/auth/recover', 'public'],
  ['GET /api/auth/session', 'public'],
  ['/api/visitor/', 'public'],
  ['/api/openapi.json', 'public'],
  ['/api/docs', 'public'],
  ['/api/admin/', 'admin'],
  ['/api/debug/', 'admin'],
  // Every user picks a domain for their links; only admins add or remove one.
  ['GET /api/domains', 'user'],
  ['/api/domains', 'admin'],
  ['/api/', 'user'],
]

export function apiAccessOf(method: string, url: string): ApiAccess | null {
  for (const [pattern, access] of RULES) {
    const space = pattern.indexOf(' ')
    const ruleMethod = space === -1 ? null : pattern.slice(0, space)
    const prefix = space === -1 ? pattern : pattern.slice(space + 1)
    if (ruleMethod !== null && ruleMethod !== method) continue
    if (url === prefix || url.startsWith(prefix)) return access
  }
  return null
}
