/**
 * The /16 (IPv4) or /48 (IPv6) around a public address, as text; null for addresses no
 * scanner reaches a public service from — loopback, RFC 1918, shared CGNAT space seen
 * directly (RFC 6598), link-local, unique-local — since seeing one means a proxy that is
 * not trusted (every visitor shares its address) or a LAN. Takes the canonical text from
 * the client-IP stage; anything else is null.
 */
export function blockOf(ip: string): string | null {
  if (ip.length === 0 || ip.length > 64) return null
  if (ip.includes(':')) {
    const lower = ip.toLowerCase()
    if (lower === '::1' || lower === '::' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower)) return null
    const groups = expandIpv6(lower)
    return groups === null ? null : `${groups[0]}:${groups[1]}:${groups[2]}::/48`
  }
  const parts = ip.split('.')
  if (parts.length !== 4) return null
  const a = Number(parts[0])
  const b = Number(parts[1])
  if (!Number.isInteger(a) || !Number.isInteger(b)) return null
  if (a === 10 || a === 127 || a === 0) return null
  if (a === 172 && b >= 16 && b <= 31) return null
  if (a === 192 && b === 168) return null
  if (a === 169 && b === 254) return null
  if (a === 100 && b >= 64 && b <= 127) return null
  return `${a}.${b}.0.0/16`
}

/** The first three groups of an IPv6 text (`::` may stand for zeros anywhere; a dotted tail is two groups). */
function expandIpv6(ip: string): string[] | null {
  const double = ip.indexOf('::')
  const split = (part: string) => (part === '' ? [] : part.split(':'))
  const head = split(double === -1 ? ip : ip.slice(0, double))
  const tail = double === -1 ? [] : split(ip.slice(double + 2))
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0)
  const missing = 8 - width(head) - width(tail)
  if (missing < 0 || (double === -1 && missing !== 0)) return null
  const groups = [...head, ...Array.from({ length: missing }, () => '0'), ...tail].slice(0, 3)
  return groups.every((g) => /^[0-9a-f]{1,4}$/.test(g)) ? groups.map((g) => g.replace(/^0+(?=.)/, '')) : null
}
