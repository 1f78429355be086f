/**
 * New visitors as a viral link brings them: each from its own address (a random IPv4
 * address, so nearly every one on its own /24 too), with one of a few hundred real user
 * agents and a few languages, no cookie. `sdkShare` of them carry the SDK's headers (as a
 * bridge page's click does), each with its own device and browser hash. Deterministic for
 * a seed, so two runs (before and after a change) send the same visitors.
 */
import UserAgent from 'user-agents'

export interface NewVisitor {
  readonly ip: string
  readonly headers: Record<string, string>
}

const LANGUAGES = ['en-US,en;q=0.9', 'it-IT,it;q=0.9,en;q=0.8', 'de-DE,de;q=0.9', 'fr-FR,fr;q=0.9', 'es-ES,es;q=0.9', 'pt-BR,pt;q=0.9']
const ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'
const USER_AGENTS = 300

/** A small deterministic PRNG (mulberry32): the same visitors for the same seed. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

export function newVisitors(options: { seed?: number; sdkShare?: number } = {}): () => NewVisitor {
  const next = random(options.seed ?? 14)
  const sdkShare = options.sdkShare ?? 0
  // Desktop and mobile browsers only: the bot detector rightly turns away what is left.
  const agents = Array.from({ length: USER_AGENTS }, (_, i) => new UserAgent({ deviceCategory: i % 2 === 0 ? 'desktop' : 'mobile' }).toString())
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join('')
  return () => {
    const ip = `${1 + Math.floor(next() * 222)}.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}.${1 + Math.floor(next() * 254)}`
    const headers: Record<string, string> = {
      'user-agent': agents[Math.floor(next() * agents.length)]!,
      'accept-language': LANGUAGES[Math.floor(next() * LANGUAGES.length)]!,
      accept: ACCEPT,
    }
    if (next() < sdkShare) {
      headers['x-device-fingerprint'] = hex(64)
      headers['x-browser-fingerprint'] = hex(64)
    }
    return { ip, headers }
  }
}
