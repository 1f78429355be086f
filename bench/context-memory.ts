/**
 * Memory per identity context, in process:
 *   node --expose-gc --import tsx bench/context-memory.ts [--visitors 100000] [--warm 0] [--steps 4] [--max-contexts N] [--sdk-share 0] [--without-identity]
 *
 * New visitors (bench/lib/new-visitors.ts) go through the whole click pipeline of a real
 * service (createLinkprint on an in-memory SQLite database, as bench/identity.ts does):
 * client address, bot and scanner detection, address hashes, user agent, geo, the cookie
 * issued, the identity engine. After every step of visitors a full GC; the V8 heap used
 * and the resident set size are read then, and the slope between the first and the last
 * step is the memory one more context costs. The service's own bounded caches (geo answers
 * 100 000, scanner memory 65 536, address hashes 50 000) fill with the first visitors:
 * --warm 120000 takes the first sample once they are full, so that the slope is the
 * engine's alone. --max-contexts sets IDENTITY_MAX_CONTEXTS (twice the visitors by default,
 * so that none is evicted): past the cap, the heap and RSS against a --without-identity run
 * of the same visitors is what the state holds at the cap. IDENTITY_MAX_CONTEXTS
 * is set above the visitors, so none is evicted. --without-identity: the same visitors with
 * the engine left out, so the difference is the engine's state.
 */
import { parseArgs } from 'node:util'
import { loadConfig } from '../src/config/config.js'
import { runClickPipeline } from '../src/decisions/click-pipeline.js'
import { createLinkprint } from '../src/linkprint.js'
import type { Clock } from '../src/clock.js'
import { newVisitors } from './lib/new-visitors.js'

const { values } = parseArgs({ options: { visitors: { type: 'string', default: '100000' }, 'sdk-share': { type: 'string', default: '0' }, steps: { type: 'string', default: '4' }, warm: { type: 'string', default: '0' }, 'max-contexts': { type: 'string', default: '' }, 'without-identity': { type: 'boolean', default: false } } })
const visitors = Number(values.visitors)
const steps = Number(values.steps)
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with node --expose-gc')

let now = Date.parse('2026-12-01T00:00:00Z')
const clock: Clock = { now: () => now }
const linkprint = await createLinkprint(loadConfig({ DATABASE_URL: 'sqlite::memory:', SECRET: 'bench-secret-bench-secret', PRIVACY_MODE: 'full', IDENTITY_MAX_CONTEXTS: values['max-contexts'] || String(visitors * 2) }), { clock })
const owner = await linkprint.auth.createUser('bench@example.com', 'bench-password', true)
const link = await linkprint.links.create(owner, { url: 'https://example.org/', slug: 'soak' })
const env = linkprint.clickEnvironment
// Everything but the identity engine (the caches and the scanner detector's memory): what the engine's share is told apart from.
if (values['without-identity']) Object.assign(env, { deferIdentity: () => true })
const next = newVisitors({ sdkShare: Number(values['sdk-share']) })

const MB = 1024 * 1024
function sample(contexts: number) {
  gc!()
  gc!()
  const m = process.memoryUsage()
  return { contexts, heap: m.heapUsed, rss: m.rss }
}

let resolved = 0
function drive(n: number) {
  for (let i = 0; i < n; i++) {
    const v = next()
    // 20 new visitors a second: the address and SDK windows see a realistic spread of times.
    now += 50
    const outcome = runClickPipeline({ ts: now, method: 'GET', peerIp: v.ip, headers: v.headers, secure: true }, link, env)
    if (!outcome.dropped && (values['without-identity'] ? !outcome.bot : outcome.context.identity?.newEntity)) resolved++
  }
}

// --warm: visitors before the first sample, so that the slope starts with the service's own bounded caches full.
const warm = Number(values.warm)
const per = Math.floor((visitors - warm) / steps)
const samples = [] as Array<ReturnType<typeof sample>>
drive(warm > 0 ? warm : per)
samples.push(sample(resolved))
for (let s = warm > 0 ? 0 : 1; s < steps; s++) {
  drive(per)
  samples.push(sample(resolved))
}
const first = samples[0]!
const last = samples.at(-1)!
const perContext = (bytes: number) => (bytes / (last.contexts - first.contexts) / 1024).toFixed(3)
console.log(`memory per identity context, in process: ${resolved} new contexts of ${visitors} visitors, SDK share ${values['sdk-share']}${values['without-identity'] ? ', without the identity engine' : ''}${values['max-contexts'] ? `, IDENTITY_MAX_CONTEXTS=${values['max-contexts']}` : ''}`)
for (const s of samples) console.log(`  ${String(s.contexts).padStart(8)} contexts   heap used ${(s.heap / MB).toFixed(1).padStart(7)} MB   rss ${(s.rss / MB).toFixed(1).padStart(7)} MB`)
console.log(`  per context (slope from ${first.contexts} to ${last.contexts}): heap ${perContext(last.heap - first.heap)} KB   rss ${perContext(last.rss - first.rss)} KB`)
await linkprint.close()
