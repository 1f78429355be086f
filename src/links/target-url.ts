import { AppError } from '../errors.js'
import { canonicalIp } from '../signals/canonical-ip.js'

export const MAX_URL_LENGTH = 2048

/**
 * A link may only lead to an absolute http(s) URL: other schemes (javascript:, data:,
 * file:) turn a trusted short domain into an attack, and a link to the short domain
 * itself can loop forever.
 */
export function normaliseTargetUrl(raw: string, ownHosts: readonly string[]): string {
  if (raw.length > MAX_URL_LENGTH) throw new AppError('URL_TOO_LONG')
  // Control characters and whitespace hide schemes from naive checks in some browsers.
  if (/[\u0000-\u0020\u007f]/.test(raw)) throw new AppError('INVALID_URL', 'The URL contains spaces or control characters')
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new AppError('INVALID_URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AppError('URL_SCHEME_NOT_ALLOWED', `The scheme "${url.protocol}" is not allowed`)
  if (!url.hostname) throw new AppError('INVALID_URL')
  if (url.username || url.password) throw new AppError('INVALID_URL', 'URLs with credentials are not allowed')
  const target = hostKey(url.hostname, url.port)
  if (ownHosts.some((own) => sameHost(own, target))) throw new AppError('URL_SELF_REFERENCE')
  const normalised = url.href
  if (normalised.length > MAX_URL_LENGTH) throw new AppError('URL_TOO_LONG')
  return normalised
}

/**
 * One spelling per host, so a loop cannot hide behind another: `localhost`, 127.0.0.0/8,
 * `::1`, an IPv4-mapped address and a wildcard listen address are all this machine.
 */
function hostKey(hostname: string, port: string): { host: string; port: string } {
  let host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '')
  const ip = canonicalIp(host)
  if (ip !== null) host = ip
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host === '0.0.0.0' || host === '::' || /^127\./.test(host)) host = 'loopback'
  return { host, port }
}

/** `own` as configured (PUBLIC_URL's host, a listen address `host:port`); without a port it is the host on any port. */
function sameHost(own: string, target: { host: string; port: string }): boolean {
  let parsed: URL
  try {
    parsed = new URL(`http://${own}`)
  } catch {
    return false
  }
  const key = hostKey(parsed.hostname, parsed.port)
  return key.host === target.host && (key.port === '' || key.port === target.port || (target.port === '' && key.port === '80'))
}
