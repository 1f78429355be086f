import type { IncomingHttpHeaders } from 'node:http'
import type { PrivacyMode, RedirectMode } from '../config/config.js'

/** Why a request gets the plain redirect rather than the bridge page. */
export type PlainReason =
  | 'direct_mode'
  | 'not_get'
  /** Not a browser loading a page: fetch(), an iframe, a prefetch, a client that does not ask for HTML. */
  | 'not_navigation'
  /** The server is not under PRIVACY_MODE=full: device signals are not read. */
  | 'privacy_mode'
  /** DNT: 1 or Sec-GPC: 1. */
  | 'opted_out'
  /** A crawler, a link preview, a tool: it must see the target itself. */
  | 'bot'
  /** A valid device_fp cookie: the engine can place this browser already. */
  | 'has_cookie'
  /** Expired or at its click limit: the pipeline answers 410. */
  | 'link_unavailable'
  /** The claim store is down or this instance holds as many pages as it may. */
  | 'bridge_unavailable'

/** One request as the rules see it; the costlier facts are asked for only when the cheap ones pass. */
export interface BridgeCandidate {
  readonly mode: RedirectMode
  readonly method: string
  readonly headers: IncomingHttpHeaders
  readonly privacyMode: PrivacyMode
  isBot(): boolean
  hasCookie(): boolean
  linkAvailable(): boolean
  bridgeReady(): boolean
}

/** In order, cheapest first: direct mode, the default, costs one comparison. */
export const BRIDGE_RULES: ReadonlyArray<readonly [PlainReason, (c: BridgeCandidate) => boolean]> = [
  ['direct_mode', (c) => c.mode !== 'bridge'],
  ['not_get', (c) => c.method !== 'GET'],
  ['not_navigation', (c) => !isNavigation(c.headers)],
  ['privacy_mode', (c) => c.privacyMode !== 'full'],
  ['opted_out', (c) => c.headers['sec-gpc'] === '1' || c.headers.dnt === '1'],
  ['bot', (c) => c.isBot()],
  ['has_cookie', (c) => c.hasCookie()],
  ['link_unavailable', (c) => !c.linkAvailable()],
  ['bridge_unavailable', (c) => !c.bridgeReady()],
]

/** The first rule that sends the request the plain way, or null: it gets the bridge page. */
export function plainReason(candidate: BridgeCandidate): PlainReason | null {
  for (const [reason, applies] of BRIDGE_RULES) if (applies(candidate)) return reason
  return null
}

/**
 * A top-level page load: asks for HTML, and where the browser says more (Fetch Metadata),
 * a navigation of a document. A prefetch or prerender would run the page, and count a
 * click, before anybody clicked.
 */
export function isNavigation(headers: IncomingHttpHeaders): boolean {
  if (!headers.accept?.includes('text/html')) return false
  const mode = headers['sec-fetch-mode']
  const dest = headers['sec-fetch-dest']
  if ((mode !== undefined && mode !== 'navigate') || (dest !== undefined && dest !== 'document')) return false
  return headers['sec-purpose'] === undefined && headers.purpose === undefined && headers['x-purpose'] === undefined
}
