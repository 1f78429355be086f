import { createHash } from 'node:crypto'
import { html, raw } from 'hono/html'

export interface BridgePageData {
  readonly slug: string
  readonly token: string
  /** The link's stored URL, the only place the page ever navigates to (besides its own fallback). */
  readonly target: string
}

/**
 * The bridge page: the link's fallback (`/slug?bridge=<token>`, which records the plain
 * click if nothing else has) as a visible link and, without JavaScript, as an immediate
 * refresh; the target in a data attribute; the inline script. Every value goes through
 * hono's escaping `html`; only the script, our own build, is raw.
 */
export function bridgePage(data: BridgePageData, script: string): string {
  const fallback = `/${data.slug}?bridge=${data.token}`
  return String(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>Opening link</title><noscript><meta http-equiv="refresh" content="0;url=${fallback}"></noscript></head><body><p>Opening <a id="lp" href="${fallback}" data-target="${data.target}">${data.target}</a></p><script>${raw(script)}</script></body></html>`)
}

/**
 * The page's response headers for its script. The script is allowed by its hash (it never
 * changes between requests, so no nonce is needed); nothing else may load; no frame may
 * hold it. `strict-origin-when-cross-origin`: the target sees the shortener's origin (as
 * after any interstitial), never the page's path or its fallback's token; the visitor's
 * own referrer reached the server with the page's request and travels in the token.
 */
export function bridgePageHeaders(script: string): Readonly<Record<string, string>> {
  if (/<\/script/i.test(script)) throw new Error('The bridge script contains </script and cannot be inlined')
  const hash = createHash('sha256').update(script).digest('base64')
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'content-security-policy': `default-src 'none'; script-src 'sha256-${hash}'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  }
}
