/**
 * Cost of the signals stage per redirect, warm caches, in process:
 *   npx tsx bench/identity-signals.ts [--requests 20000]
 *
 * A realistic mix: half the traffic behind a trusted proxy (X-Forwarded-For with one
 * proxy hop), half direct; IPv4 and IPv6 clients; UAs drawn with a skewed popularity
 * from a pool of real-looking ones (the user-agents package) plus in-app browsers,
 * link previews and crawlers; Chrome-style client hints on Chromium UAs; a handful of
 * Accept-Language values; X-Timezone on a third of the requests (where the SDK ran).
 * Geo uses the shipped DB-IP database when installed.
 *
 * Each call is timed alone (process.hrtime.bigint, ~30–50 ns of its own), and the
 * median and p99 of each stage and of the whole stage per request are printed.
 */
import UserAgent from 'user-agents'
import { parseAcceptLanguage } from '../src/signals/accept-language.js'
import { detectBot } from '../src/signals/bot-detector.js'
import { resolveClientIp } from '../src/signals/client-ip.js'
import { DatabaseGeo } from '../src/signals/geo/database-geo.js'
import { GeoResolver } from '../src/signals/geo/geo-resolver.js'
import type { HeaderRecord } from '../src/signals/header-record.js'
import { hashIp } from '../src/signals/ip-hash.js'
import { parseTimezone } from '../src/signals/timezone.js'
import { parseTrustedProxies } from '../src/signals/trusted-proxies.js'
import { clientHintsOf, parseUserAgent } from '../src/signals/user-agent.js'
import { CRAWLER_UAS, IN_APP_UAS, PREVIEW_UAS } from '../test/signals/real-user-agents.js'

const argIndex = process.argv.indexOf('--requests')
const REQUESTS = argIndex === -1 ? 20_000 : Number(process.argv[argIndex + 1])

let seed = 7
const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
/** Skewed choice: low indexes much more often, as UA and language popularity are. */
const popular = <T>(items: readonly T[]): T => items[Math.floor(random() ** 2 * items.length)]!

const uaPool: string[] = []
for (let i = 0; i < 400; i++) uaPool.push(new UserAgent().toString())
const special = [...Object.values(IN_APP_UAS), ...Object.values(PREVIEW_UAS), ...Object.values(CRAWLER_UAS)]
const languages = ['it-IT,it;q=0.9,en-US;q=0.8,en;q=0.7', 'en-US,en;q=0.9', 'en-GB,en;q=0.9', 'de-DE,de;q=0.9,en;q=0.8', 'fr-FR,fr;q=0.9', 'es-ES,es;q=0.9', 'pt-BR,pt;q=0.9', 'it', 'en']
const zones = ['Europe/Rome', 'Europe/London', 'America/New_York', 'Europe/Berlin', 'America/Sao_Paulo', 'Asia/Tokyo']
const chromeHints = {
  'sec-ch-ua': '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"',
  'sec-ch-ua-mobile': '?0',
  'sec-ch-ua-platform': '"Windows"',
}

interface Request {
  peer: string
  headers: HeaderRecord
  method: string
}

function clientAddress(): string {
  if (random() < 0.2) {
    const g = () => Math.floor(random() * 0x10000).toString(16)
    return `2a01:${g()}:${g()}:${g()}:${g()}:${g()}:${g()}:${g()}`
  }
  const o = () => 1 + Math.floor(random() * 223)
  return `${o()}.${o()}.${o()}.${Math.floor(random() * 256)}`
}

const requests: Request[] = []
for (let i = 0; i < REQUESTS; i++) {
  const client = clientAddress()
  const ua = random() < 0.08 ? pick(special) : popular(uaPool)
  const headers: Record<string, string> = { 'user-agent': ua, 'accept-language': popular(languages), accept: 'text/html' }
  if (ua.includes('Chrome/') && random() < 0.7) Object.assign(headers, chromeHints)
  if (random() < 0.33) headers['x-timezone'] = popular(zones)
  let peer = client
  if (random() < 0.5) {
    peer = `10.0.0.${1 + Math.floor(random() * 4)}`
    headers['x-forwarded-for'] = `${client}, 10.0.1.${Math.floor(random() * 4)}`
  } else if (random() < 0.05) {
    headers['x-forwarded-for'] = '6.6.6.6' // forged, from an untrusted peer
  }
  requests.push({ peer, headers, method: random() < 0.01 ? 'HEAD' : 'GET' })
}

const trusted = parseTrustedProxies('10.0.0.0/8')
const key = Buffer.from('bench-key-bench-key-bench-key-32')
const database = await DatabaseGeo.open(process.env.GEOIP_DB)
const resolver = new GeoResolver({ database, cacheTtlMs: 86_400_000, now: Date.now })

const stages = ['clientIp', 'hashIp', 'userAgent', 'bot', 'language', 'timezone', 'geo', 'total'] as const
type Stage = (typeof stages)[number]

function run(record: Record<Stage, number[]> | null): void {
  for (const r of requests) {
    const t0 = process.hrtime.bigint()
    const client = resolveClientIp(r.peer, r.headers, trusted)
    const t1 = process.hrtime.bigint()
    const hashes = hashIp(client.ip, key)
    const t2 = process.hrtime.bigint()
    const ua = r.headers['user-agent'] as string
    parseUserAgent(ua, clientHintsOf(r.headers))
    const t3 = process.hrtime.bigint()
    detectBot({ method: r.method, userAgent: ua, headers: r.headers })
    const t4 = process.hrtime.bigint()
    const language = parseAcceptLanguage(r.headers['accept-language'] as string | undefined)
    const t5 = process.hrtime.bigint()
    const zone = parseTimezone(r.headers['x-timezone'] as string | undefined)
    const t6 = process.hrtime.bigint()
    resolver.resolve({
      ip: client.ip,
      prefixHash: hashes.prefixHash,
      headers: r.headers,
      peerTrusted: trusted.isTrusted(r.peer),
      languageRegion: language.region,
      timezone: zone.timezone,
    })
    const t7 = process.hrtime.bigint()
    if (record) {
      record.clientIp.push(Number(t1 - t0))
      record.hashIp.push(Number(t2 - t1))
      record.userAgent.push(Number(t3 - t2))
      record.bot.push(Number(t4 - t3))
      record.language.push(Number(t5 - t4))
      record.timezone.push(Number(t6 - t5))
      record.geo.push(Number(t7 - t6))
      record.total.push(Number(t7 - t0))
    }
  }
}

const cold = Object.fromEntries(stages.map((s) => [s, [] as number[]])) as Record<Stage, number[]>
run(cold) // first pass fills the caches (and lets V8 optimise)
run(null)
const warm = Object.fromEntries(stages.map((s) => [s, [] as number[]])) as Record<Stage, number[]>
run(warm)

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}
const us = (ns: number) => (ns / 1000).toFixed(2).padStart(7)

console.log(`signals stage, ${REQUESTS} requests, ${new Set(requests.map((r) => r.headers['user-agent'])).size} distinct UAs, geo database: ${database ? database.info.databaseTypes.join(' + ') : 'none'}`)
console.log(`node ${process.version}\n`)
console.log('stage        warm median µs   warm p99 µs   first-pass median µs')
for (const stage of stages) {
  console.log(`${stage.padEnd(12)} ${us(quantile(warm[stage], 0.5))}         ${us(quantile(warm[stage], 0.99))}       ${us(quantile(cold[stage], 0.5))}`)
}
