import { AppError } from '../errors.js'

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
  const host = url.host.toLowerCase()
  if (ownHosts.some((own) => own.toLowerCase() === host)) throw new AppError('URL_SELF_REFERENCE')
  const normalised = url.href
  if (normalised.length > MAX_URL_LENGTH) throw new AppError('URL_TOO_LONG')
  return normalised
}
