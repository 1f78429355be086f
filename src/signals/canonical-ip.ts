/**
 * One spelling per address. The same client reaches us as `1.2.3.4`, `::ffff:1.2.3.4`
 * (a dual-stack socket), `2001:DB8::1` or `2001:db8:0:0::1`; every hash, cache key and
 * trust decision downstream must see a single form, or one visitor becomes several.
 *
 * Hand-written rather than a regex: it runs several times per redirect on
 * attacker-controlled text, so it is a single bounded pass with no backtracking.
 */
export type ParsedIp =
  | { readonly family: 4; readonly address: string; readonly groups: null }
  | { readonly family: 6; readonly address: string; readonly groups: Uint16Array }

/** Longest literal accepted: a full IPv6 with an embedded IPv4 is 45, plus a zone id. */
const MAX_LITERAL = 64

/**
 * Parses an IP literal (no brackets, no port) into its canonical form: dotted quad for
 * IPv4 and for IPv4-mapped IPv6, RFC 5952 text for IPv6, zone id dropped. Null when the
 * text is not an address. IPv4 octets with leading zeros are refused: `010` means 8 to
 * some parsers and 10 to others, and an ambiguous address must not be trusted.
 */
export function parseIp(text: string): ParsedIp | null {
  // Replayed events are JSON: a number where a string belongs must not throw.
  if (typeof text !== 'string') return null
  const length = text.length
  if (length === 0 || length > MAX_LITERAL) return null
  if (text.indexOf(':') === -1) {
    return parseIpv4(text, 0, length) === -1 ? null : { family: 4, address: text, groups: null }
  }
  return parseIpv6(text)
}

/** The canonical text of an address, or null when `text` is not one. */
export function canonicalIp(text: string): string | null {
  return parseIp(text)?.address ?? null
}

/** The 32-bit value of a dotted quad (the whole text, or text[start, end)), or -1. */
export function parseIpv4(text: string, start = 0, end = text.length): number {
  let value = 0
  let octet = 0
  let digits = 0
  let dots = 0
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c === 46 /* . */) {
      if (digits === 0 || dots === 3) return -1
      value = value * 256 + octet
      octet = 0
      digits = 0
      dots++
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1 // leading zero
      octet = octet * 10 + (c - 48)
      if (octet > 255) return -1
      digits++
    } else {
      return -1
    }
  }
  if (dots !== 3 || digits === 0) return -1
  return value * 256 + octet
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
}

function parseIpv6(text: string): ParsedIp | null {
  let end = text.length
  const zone = text.indexOf('%')
  if (zone !== -1) {
    // A zone id only scopes a link-local address to an interface on *our* host; it is
    // not part of the client's identity, so it is validated loosely and dropped.
    if (zone === end - 1) return null
    for (let i = zone + 1; i < end; i++) {
      const c = text.charCodeAt(i)
      const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46 || c === 95
      if (!ok) return null
    }
    end = zone
  }
  const groups = new Uint16Array(8)
  let count = 0
  let gap = -1 // index in `groups` where "::" stood
  let i = 0
  if (text.charCodeAt(0) === 58 /* : */) {
    if (text.charCodeAt(1) !== 58) return null
    gap = 0
    i = 2
  }
  while (i < end) {
    if (count === 8) return null
    let value = 0
    let j = i
    while (j < end && j - i < 5) {
      const h = hexValue(text.charCodeAt(j))
      if (h === -1) break
      value = value * 16 + h
      j++
    }
    if (j < end && text.charCodeAt(j) === 46 /* . */) {
      // Embedded IPv4 tail (::ffff:1.2.3.4): two groups, and it must end the address.
      if (count > 6) return null
      const v4 = parseIpv4(text, i, end)
      if (v4 === -1) return null
      groups[count++] = v4 >>> 16
      groups[count++] = v4 & 0xffff
      i = end
      break
    }
    if (j === i || j - i > 4) return null
    groups[count++] = value
    if (j === end) {
      i = end
      break
    }
    if (text.charCodeAt(j) !== 58) return null
    if (text.charCodeAt(j + 1) === 58) {
      if (gap !== -1) return null
      gap = count
      i = j + 2
    } else {
      i = j + 1
      if (i === end) return null // trailing single colon
    }
  }
  if (gap === -1) {
    if (count !== 8) return null
  } else {
    if (count > 7) return null // "::" stands for at least one group
    const move = count - gap
    for (let k = 1; k <= move; k++) {
      groups[8 - k] = groups[count - k]!
      groups[count - k] = 0
    }
  }
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    const hi = groups[6]!
    const lo = groups[7]!
    return { family: 4, address: `${hi >>> 8}.${hi & 255}.${lo >>> 8}.${lo & 255}`, groups: null }
  }
  return { family: 6, address: formatIpv6(groups), groups }
}

/** RFC 5952: lower case, no leading zeros, the longest run (first if tied) of two or more zero groups as "::". */
function formatIpv6(groups: Uint16Array): string {
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  let out = ''
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::'
      i += bestLength - 1
      continue
    }
    if (out !== '' && !out.endsWith(':')) out += ':'
    out += groups[i]!.toString(16)
  }
  return out
}
