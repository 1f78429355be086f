import { createHash } from 'node:crypto'
import type { FastifyReply } from 'fastify'

/**
 * The Content-Security-Policy of linkprint's own pages (the dashboard, the monitor, the
 * fingerprint test page): nothing by default, the page's one stylesheet by its hash, script
 * from this origin only (no inline script anywhere), fetches to this origin only, no forms
 * posted anywhere, no framing. `trustedTypes`: with no policy, Chromium refuses every
 * HTML-parsing sink (innerHTML and the like), so a script that builds its DOM from text
 * cannot start doing otherwise unnoticed.
 */
export function pageCsp(stylesheet: string, options: { images?: boolean; trustedTypes?: boolean } = {}): string {
  return [
    "default-src 'none'",
    `style-src 'sha256-${createHash('sha256').update(stylesheet).digest('base64')}'`,
    "script-src 'self'",
    "connect-src 'self'",
    ...(options.images ? ["img-src 'self'"] : []),
    "form-action 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    ...(options.trustedTypes ? ["require-trusted-types-for 'script'", "trusted-types 'none'"] : []),
  ].join('; ')
}

/**
 * An HTML page of linkprint's own, with its CSP: never cached (a stale page could load a
 * script the server no longer serves, or show data after a sign-out), never sniffed, never
 * framed, and no referrer to wherever its links lead.
 */
export function sendPage(reply: FastifyReply, status: number, csp: string, html: string): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('content-security-policy', csp)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .send(html)
}
