/**
 * What seed 000's three cases cost per request, over a bare Fastify route, in one run:
 *   npx tsx bench/sessions.ts [--backends sqlite,postgres,redis] [--rounds 7] [--per-round 2000]
 *
 * Two Fastify apps in this process answer GET /api/ping with the same handler: one bare,
 * one with the sessions plugin (src/sessions) over a real linkprint service. Requests go
 * through app.inject, so no socket noise hides a few microseconds; each scenario's bare
 * baseline gets the very same headers, so header parsing cancels out. Rounds alternate
 * the scenarios, and the median round is reported.
 *
 *  - case 1   anonymous, valid X-Device-Fingerprint + the X-Session-Id it was given
 *             (steady state), and first contact (no session id yet: one is created and stored)
 *  - case 3   valid Bearer JWT, verification cached (and, for reference, a first verification)
 *  - case 2   POST /api/auth/recover: latency of a recovery (rate limits, lookup, rotation, signing)
 *
 * Backends: where sessions live (sqlite and postgres: the database; redis: Redis with a
 * SQLite database beside it). The seed claims ~0.1 ms for case 1; the last lines say
 * whether linkprint meets it.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import Fastify, { type FastifyInstance } from 'fastify'
import { AccessTokens } from '../src/auth/access-tokens.js'
import { TokenKeyring } from '../src/auth/token-keyring.js'
import { loadConfig } from '../src/config/config.js'
import { createLinkprint, type Linkprint } from '../src/linkprint.js'
import type { PlainRequest } from '../src/sessions/plain-request.js'
import { sessionsPlugin } from '../src/sessions/sessions-plugin.js'
import type { DialectName } from '../src/storage/storage.js'
import { createTestDatabase, type TestDatabase } from '../test/helpers/test-databases.js'
import { openTestRedis, redisReachable, type TestRedis } from '../test/helpers/test-redis.js'

const { values } = parseArgs({
  options: { backends: { type: 'string', default: 'sqlite,postgres,redis' }, rounds: { type: 'string', default: '9' }, 'per-round': { type: 'string', default: '2000' } },
})
const ROUNDS = Number(values.rounds)
const PER_ROUND = Number(values['per-round'])
const SECRET = 'bench-secret-bench-secret'
const FP = 'a3f9c2e18b7d4f60a3f9c2e18b7d4f60'
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!
let net = 0
/** A new /24 each call, so per-network limits never bite the benchmark. */
const freshIp = () => `10.${(++net >> 8) & 255}.${net & 255}.1`

async function perCall(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) await fn(i)
  return Number(process.hrtime.bigint() - start) / n / 1000
}

async function pingApp(withSessions: Linkprint | null): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  if (withSessions) await app.register(sessionsPlugin, { core: withSessions.sessions })
  app.get('/api/ping', async () => ({ ok: true }))
  await app.ready()
  return app
}

interface Row {
  readonly backend: string
  readonly scenario: string
  readonly us: number
  readonly bare: number | null
}

async function benchBackend(backend: 'sqlite' | 'postgres' | 'redis'): Promise<Row[]> {
  const dialect: DialectName = backend === 'postgres' ? 'postgres' : 'sqlite'
  const db: TestDatabase = await createTestDatabase(dialect)
  const redis: TestRedis | undefined = backend === 'redis' ? await openTestRedis() : undefined
  const lp = await createLinkprint(loadConfig({
    DATABASE_URL: db.url, SECRET, GEOIP_DB: 'off',
    ...(redis && { REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix }),
  }))
  const rows: Row[] = []
  try {
    const user = await lp.auth.createUser('bench@example.com', 'bench-password', false)
    const bare = await pingApp(null)
    const sessions = await pingApp(lp)

    // Case 1's steady state: the client kept the X-Session-Id of its first answer.
    const first = await sessions.inject({ method: 'GET', url: '/api/ping', headers: { 'x-device-fingerprint': FP }, remoteAddress: freshIp() })
    const anonymousId = String(first.headers['x-session-id'])
    const case1 = { 'user-agent': UA, 'x-device-fingerprint': FP, 'x-timezone': 'Europe/Rome', 'x-session-id': anonymousId }
    const case1New = { 'user-agent': UA, 'x-device-fingerprint': FP, 'x-timezone': 'Europe/Rome' }
    const issued = await lp.sessions.start(user.id, { method: 'POST', headers: { 'x-device-fingerprint': FP }, ip: freshIp() })
    const case3 = { 'user-agent': UA, authorization: `Bearer ${issued.token}` }

    // The core alone, no HTTP framework: what any server embedding it pays.
    const plain = (headers: Record<string, string>): PlainRequest => ({ method: 'GET', headers, ip: '10.255.255.1', url: '/api/ping' })
    const core1 = [] as number[]
    const core3 = [] as number[]
    for (let r = 0; r < ROUNDS; r++) {
      // A new headers object per call: the request cache (tier 1) must not answer for a new request.
      core1.push(await perCall(PER_ROUND, () => lp.sessions.handle(plain({ ...case1 }))))
      core3.push(await perCall(PER_ROUND, () => lp.sessions.handle(plain({ ...case3 }))))
    }
    rows.push({ backend, scenario: 'core only, case 1 (SessionCore.handle)', us: median(core1), bare: null })
    rows.push({ backend, scenario: 'core only, case 3 (SessionCore.handle)', us: median(core3), bare: null })

    const scenarios: Array<[string, Record<string, string>, boolean]> = [
      ['case 1: X-Device-Fingerprint + X-Session-Id (steady state)', case1, false],
      ['case 1: first contact (anonymous session created)', case1New, true],
      ['case 3: Bearer JWT, verification cached', case3, false],
    ]
    const times = new Map<string, { with: number[]; bare: number[] }>(scenarios.map(([name]) => [name, { with: [], bare: [] }]))
    const run = (app: FastifyInstance, headers: Record<string, string>, newNetwork: boolean) =>
      perCall(PER_ROUND, () => app.inject({ method: 'GET', url: '/api/ping', headers, remoteAddress: newNetwork ? freshIp() : '10.255.255.1' }))

    // Warm-up: JIT, caches, the store's first queries.
    for (let w = 0; w < 3; w++) {
      for (const [, headers, fresh] of scenarios) {
        await run(bare, headers, fresh)
        await run(sessions, headers, fresh)
      }
    }
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? scenarios : [...scenarios].reverse()
      for (const [name, headers, fresh] of order) {
        const t = times.get(name)!
        // Bare and plugin back to back, their order alternating too.
        if (r % 2 === 0) {
          t.bare.push(await run(bare, headers, fresh))
          t.with.push(await run(sessions, headers, fresh))
        } else {
          t.with.push(await run(sessions, headers, fresh))
          t.bare.push(await run(bare, headers, fresh))
        }
      }
    }
    for (const [name] of scenarios) {
      const t = times.get(name)!
      rows.push({ backend, scenario: name, us: median(t.with), bare: median(t.bare) })
    }

    // What the cache saves: a token's first verification (jose, HS256) against later ones.
    const tokens = new AccessTokens({ keyring: TokenKeyring.fromSecrets(SECRET), clock: { now: () => Date.now() } })
    const fresh = await Promise.all(Array.from({ length: 2000 }, (_, i) => tokens.sign({ userId: 1, sessionIdHash: `s${i}` })))
    rows.push({ backend, scenario: 'JWT first verification (jose HS256, uncached)', us: await perCall(fresh.length, (i) => tokens.verify(fresh[i]!.token)), bare: null })
    rows.push({ backend, scenario: 'JWT verification from the cache', us: await perCall(fresh.length, (i) => tokens.verify(fresh[i]!.token)), bare: null })

    // Case 2: a chain of recoveries, each rotating the id the next one uses.
    let sessionId = (await lp.sessions.start(user.id, { method: 'POST', headers: { 'x-device-fingerprint': FP }, ip: freshIp() })).sessionId
    const latencies: number[] = []
    const RECOVERIES = Math.min(PER_ROUND, 1000)
    for (let i = 0; i < RECOVERIES + 50; i++) {
      const start = process.hrtime.bigint()
      const res = await sessions.inject({ method: 'POST', url: '/api/auth/recover', headers: { 'x-session-id': sessionId, 'x-device-fingerprint': FP }, remoteAddress: freshIp() })
      const us = Number(process.hrtime.bigint() - start) / 1000
      if (res.statusCode !== 200) throw new Error(`recovery failed: ${res.body}`)
      sessionId = res.json().sessionId
      if (i >= 50) latencies.push(us)
    }
    const bareRecover = await perCall(RECOVERIES, () => bare.inject({ method: 'GET', url: '/api/ping', headers: { 'x-session-id': sessionId, 'x-device-fingerprint': FP }, remoteAddress: freshIp() }))
    rows.push({ backend, scenario: `case 2: recovery, median of ${RECOVERIES}`, us: median(latencies), bare: bareRecover })
    rows.push({ backend, scenario: `case 2: recovery, p99`, us: percentile(latencies, 0.99), bare: bareRecover })

    await bare.close()
    await sessions.close()
  } finally {
    await lp.close()
    await db.drop()
    await redis?.drop()
  }
  return rows
}

const wanted = values.backends.split(',').map((b) => b.trim()) as Array<'sqlite' | 'postgres' | 'redis'>
const rows: Row[] = []
console.log(`bench/sessions.ts: node ${process.version}, ${ROUNDS} rounds × ${PER_ROUND} requests per scenario, app.inject (in process)`)
for (const backend of wanted) {
  if (backend === 'redis' && !(await redisReachable())) {
    console.log('redis: not reachable at 127.0.0.1:6379, skipped')
    continue
  }
  try {
    rows.push(...(await benchBackend(backend)))
  } catch (error) {
    if (backend === 'postgres' && String(error).includes('not reachable')) console.log('postgres: not reachable, skipped')
    else throw error
  }
}

const fmt = (n: number) => n.toFixed(1).padStart(8)
console.log(`\n${'sessions in'.padEnd(10)} ${'scenario'.padEnd(56)} ${'µs/req'.padStart(8)} ${'bare µs'.padStart(8)} ${'+µs'.padStart(8)} ${'ratio'.padStart(6)}`)
for (const r of rows) {
  const extra = r.bare === null ? `${''.padStart(8)} ${''.padStart(8)} ${''.padStart(6)}` : `${fmt(r.bare)} ${fmt(r.us - r.bare)} ${(r.us / r.bare).toFixed(2).padStart(6)}`
  console.log(`${r.backend.padEnd(10)} ${r.scenario.padEnd(56)} ${fmt(r.us)} ${extra}`)
}

const steady = rows.filter((r) => r.scenario.startsWith('case 1: X-Device') && r.bare !== null)
if (steady.length) {
  const worst = Math.max(...steady.map((r) => r.us - r.bare!))
  const firstContact = rows.filter((r) => r.scenario.startsWith('case 1: first') && r.bare !== null).map((r) => `${r.backend} +${(r.us - r.bare!).toFixed(0)} µs`)
  console.log(`\nSeed 000 claims ~0.1 ms (100 µs) of server overhead for case 1 (valid X-Device-Fingerprint).`)
  console.log(`linkprint, steady state: at most +${worst.toFixed(1)} µs over a bare route (${(worst / 100 * 100).toFixed(0)}% of the claim): ${worst <= 100 ? 'the claim holds' : 'the claim does NOT hold'}.`)
  console.log(`First contact (a session written to the store): ${firstContact.join(', ')}.`)
}
