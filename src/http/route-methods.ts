/**
 * Which methods each route path answers, for 405 Method Not Allowed: Fastify's router
 * only says "no route" when a path exists under other methods. Paths are matched the way
 * the router would (a `:param` is one segment, `*` the rest, a trailing slash ignored).
 *
 * Routes whose first segment is a parameter (`GET /:slug`, the redirect) are left out on
 * purpose: they match every one-segment path, so counting them would turn `POST /anything`
 * into a 405 claiming a resource exists at a path where, for all the router knows, none does.
 */
export class RouteMethods {
  readonly #routes: Array<{ pattern: RegExp; methods: Set<string> }> = []
  readonly #byUrl = new Map<string, Set<string>>()

  add(methods: string | readonly string[], url: string): void {
    if (/^\/[:*]/.test(url)) return
    let set = this.#byUrl.get(url)
    if (!set) {
      set = new Set()
      this.#byUrl.set(url, set)
      this.#routes.push({ pattern: toPattern(url), methods: set })
    }
    for (const m of typeof methods === 'string' ? [methods] : methods) set.add(m.toUpperCase())
    // Fastify answers HEAD wherever it answers GET (exposeHeadRoutes).
    if (set.has('GET')) set.add('HEAD')
  }

  /** The methods routes matching this path answer, sorted; empty when none matches. */
  allowed(path: string): string[] {
    const bare = path.split('?', 1)[0]!
    const trimmed = bare.length > 1 ? bare.replace(/\/+$/, '') : bare
    const out = new Set<string>()
    for (const route of this.#routes) if (route.pattern.test(trimmed)) for (const m of route.methods) out.add(m)
    return [...out].sort()
  }
}

function toPattern(url: string): RegExp {
  const trimmed = url.length > 1 ? url.replace(/\/+$/, '') : url
  const source = trimmed
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*'
      // A parameter, with or without its own regex: one segment, as the router reads it.
      if (segment.startsWith(':')) return '[^/]+'
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    })
    .join('/')
  return new RegExp(`^${source}$`)
}
