/**
 * Resident memory under a long stream of new visitors, past the identity engine's cap:
 *   npx tsx bench/soak.ts [--minutes 10] [--max-contexts 30000] [--rate 1500] [--sample 15] [--warm 100000] [--sdk-share 0] [--svg docs/memory/soak.svg]
 *
 * The cap is small on purpose: RSS can only be flat once the state holds the cap, its
 * indexes twice the cap in ids, and the service's own caches are full (~100 000 visitors),
 * all of which a shared 2-core machine reaches within minutes at 30 000.
 *
 * Spawns the service (from source through tsx, SQLite, click recording on,
 * IDENTITY_MAX_CONTEXTS=--max-contexts, TRUST_PROXY=loopback) and sends it new visitors
 * (bench/lib/new-visitors.ts: no cookie, each from its own address, a few hundred real
 * user agents) at --rate a second for --minutes. Every --sample seconds it reads the
 * server's resident set size from /proc as it is, then asks the server (SIGUSR2,
 * bench/lib/memory-probe.ts) for its heap used and RSS after a full GC, and the number of
 * identity contexts created so far from /metrics.
 *
 * Prints the curve, the memory one more context costs while the state fills (the slope
 * of RSS and heap after GC from --warm contexts, once the service's other bounded caches
 * are full, to the cap) and the drift once the cap is reached (which must be flat:
 * evicted contexts give their memory back). Writes the curve as an SVG chart.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { createTestDatabase } from '../test/helpers/test-databases.js'
import { newVisitors } from './lib/new-visitors.js'
import { spawnServer } from './lib/spawn-server.js'

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    'max-contexts': { type: 'string', default: '30000' },
    rate: { type: 'string', default: '1500' },
    sample: { type: 'string', default: '15' },
    'sdk-share': { type: 'string', default: '0' },
    connections: { type: 'string', default: '16' },
    svg: { type: 'string', default: 'docs/memory/soak.svg' },
    label: { type: 'string', default: '' },
    warm: { type: 'string', default: '100000' },
  },
})
const minutes = Number(values.minutes)
const cap = Number(values['max-contexts'])
const sampleMs = Number(values.sample) * 1000
const MB = 1024 * 1024

interface Sample { s: number; contexts: number; rss: number; heapAfterGc: number; rssAfterGc: number }

function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))
  return Number(line?.split(/\s+/)[1] ?? Number.NaN) * 1024
}

const db = await createTestDatabase('sqlite')
const server = await spawnServer(['--expose-gc', '--import', 'tsx', '--import', './bench/lib/memory-probe.ts', 'src/cli/run.ts', 'serve'], {
  DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'warn', IDENTITY_MAX_CONTEXTS: String(cap), TRUST_PROXY: 'loopback',
}, { startTimeoutMs: 180_000 }) // compiled by tsx at start: slow on a busy machine
const pid = server.child.pid!
const key = /API key:\s+(\S+)/.exec(server.output())?.[1]
const created = await fetch(`${server.url}/api/links`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://example.org/', slug: 'soak' }) })
if (created.status !== 201) throw new Error(`could not create the link: ${await created.text()}`)

/** New identity contexts so far: every new visitor's cookie the engine placed (server_generated, or client_header with the SDK). */
async function contexts(): Promise<number> {
  const metrics = await (await fetch(`${server.url}/metrics`)).text()
  return [...metrics.matchAll(/^linkprint_identity_source_total\{source="(?:server_generated|client_header)",path="redirect"\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0)
}

async function afterGc(): Promise<{ heapUsed: number; rss: number }> {
  const before = server.output().split('\nmemory ').length
  server.child.kill('SIGUSR2')
  for (let i = 0; i < 600; i++) {
    const parts = server.output().split('\nmemory ')
    if (parts.length > before) return JSON.parse(parts.at(-1)!.split('\n')[0]!) as { heapUsed: number; rss: number }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('the server did not report its memory')
}

const samples: Sample[] = []
const started = Date.now()
async function sample(): Promise<void> {
  const rss = rssOf(pid)
  const n = await contexts()
  const gc = await afterGc()
  samples.push({ s: (Date.now() - started) / 1000, contexts: n, rss, heapAfterGc: gc.heapUsed, rssAfterGc: gc.rss })
  const last = samples.at(-1)!
  process.stderr.write(`  ${last.s.toFixed(0).padStart(5)} s  ${String(n).padStart(8)} contexts  rss ${(rss / MB).toFixed(1)} MB  after GC: heap ${(gc.heapUsed / MB).toFixed(1)} MB, rss ${(gc.rss / MB).toFixed(1)} MB\n`)
}

await sample()
const next = newVisitors({ sdkShare: Number(values['sdk-share']) })
let sampling = Promise.resolve()
const timer = setInterval(() => (sampling = sampling.then(sample)), sampleMs)
const result = await autocannon({
  url: `${server.url}/soak`,
  connections: Number(values.connections),
  overallRate: Number(values.rate),
  duration: minutes * 60,
  requests: [{
    setupRequest: (req) => {
      const v = next()
      return { ...req, headers: { ...v.headers, 'x-forwarded-for': v.ip } }
    },
  }],
})
clearInterval(timer)
await sampling
await sample()
const exit = await server.stop()
await db.drop()

// The figures.
const atOrAfter = (n: number) => samples.find((s) => s.contexts >= n)
// The slope starts once the service's own bounded caches are full (--warm visitors: geo answers 100 000,
// scanner memory 65 536, address hashes 50 000), or at a fifth of the cap when the cap comes first.
const warm = Number(values.warm)
const from = atOrAfter(warm < 0.8 * cap ? warm : 0.2 * cap)
const full = atOrAfter(cap)
const slope = (a: Sample | undefined, b: Sample | undefined, field: 'rss' | 'rssAfterGc' | 'heapAfterGc') => (a && b && b.contexts > a.contexts ? (b[field] - a[field]) / (b.contexts - a.contexts) / 1024 : Number.NaN)
const afterCap = full ? samples.filter((s) => s.s >= full.s) : []
const range = (xs: number[]) => (xs.length === 0 ? Number.NaN : (Math.max(...xs) - Math.min(...xs)) / MB)
const half = afterCap.slice(Math.floor(afterCap.length / 2))
const lastS = samples.at(-1)!
const answered = Object.entries(result.statusCodeStats ?? {}).filter(([code]) => code === '302').reduce((n, [, s]) => n + (s.count ?? 0), 0)

console.log(`\nsoak: ${minutes} min of new visitors at ${values.rate}/s, IDENTITY_MAX_CONTEXTS=${cap}, SDK share ${values['sdk-share']}${values.label ? `, ${values.label}` : ''}`)
console.log(`  ${answered} redirects answered (${result.non2xx - answered} other non-2xx, ${result.errors} errors), ${lastS.contexts} contexts created, server exit ${exit}`)
console.log('  time s   contexts   rss MB   after GC: heap MB   rss MB')
for (const s of samples) console.log(`  ${s.s.toFixed(0).padStart(6)}  ${String(s.contexts).padStart(9)}  ${(s.rss / MB).toFixed(1).padStart(7)}  ${(s.heapAfterGc / MB).toFixed(1).padStart(18)}  ${(s.rssAfterGc / MB).toFixed(1).padStart(7)}`)
console.log(`  per context while filling (${from?.contexts ?? '?'} → ${full?.contexts ?? '?'} contexts): rss ${slope(from, full, 'rss').toFixed(2)} KB, after GC: heap ${slope(from, full, 'heapAfterGc').toFixed(2)} KB, rss ${slope(from, full, 'rssAfterGc').toFixed(2)} KB`)
if (full) {
  console.log(`  cap reached at ${full.s.toFixed(0)} s; from then to the end (${lastS.contexts - full.contexts} more contexts): rss ${(full.rss / MB).toFixed(1)} → ${(lastS.rss / MB).toFixed(1)} MB (range ${range(afterCap.map((s) => s.rss)).toFixed(1)} MB), heap after GC ${(full.heapAfterGc / MB).toFixed(1)} → ${(lastS.heapAfterGc / MB).toFixed(1)} MB`)
  console.log(`  second half after the cap: rss range ${range(half.map((s) => s.rss)).toFixed(1)} MB, heap after GC range ${range(half.map((s) => s.heapAfterGc)).toFixed(1)} MB`)
} else console.log('  the cap was not reached: run longer or raise --rate')

// The chart: RSS (as sampled and after GC) and heap after GC against time, the cap marked.
const W = 720, H = 360, L = 60, R = 20, T = 30, B = 45
const maxS = Math.max(1, lastS.s)
const maxMb = Math.ceil(Math.max(...samples.map((s) => Math.max(s.rss, s.rssAfterGc))) / MB / 100) * 100
const x = (s: number) => L + ((W - L - R) * s) / maxS
const y = (mb: number) => H - B - ((H - T - B) * mb) / maxMb
const path = (field: 'rss' | 'rssAfterGc' | 'heapAfterGc') => samples.map((s, i) => `${i === 0 ? 'M' : 'L'}${x(s.s).toFixed(1)},${y(s[field] / MB).toFixed(1)}`).join(' ')
const ticksY = Array.from({ length: 6 }, (_, i) => (maxMb * i) / 5)
const ticksX = Array.from({ length: Math.min(10, Math.ceil(maxS / 60)) + 1 }, (_, i) => i * Math.ceil(maxS / 60 / 10) * 60).filter((s) => s <= maxS)
const series = [['rss', '#d62728', 'RSS'], ['rssAfterGc', '#ff9896', 'RSS after a full GC'], ['heapAfterGc', '#1f77b4', 'V8 heap used after a full GC']] as const
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${L}" y="18" font-size="14">Memory under ${minutes} min of new visitors, IDENTITY_MAX_CONTEXTS=${cap}${values.label ? ` (${values.label})` : ''}</text>
${ticksY.map((mb) => `<line x1="${L}" x2="${W - R}" y1="${y(mb)}" y2="${y(mb)}" stroke="#eee"/><text x="${L - 6}" y="${y(mb) + 4}" text-anchor="end">${mb}</text>`).join('\n')}
${ticksX.map((s) => `<text x="${x(s)}" y="${H - B + 16}" text-anchor="middle">${s / 60}</text>`).join('\n')}
<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">minutes</text>
<text x="14" y="${(T + H - B) / 2}" transform="rotate(-90 14 ${(T + H - B) / 2})" text-anchor="middle">MB</text>
<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#333"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#333"/>
${full ? `<line x1="${x(full.s)}" x2="${x(full.s)}" y1="${T}" y2="${H - B}" stroke="#999" stroke-dasharray="4 3"/><text x="${x(full.s) + 4}" y="${T + 12}" fill="#666">cap reached (${cap} contexts)</text>` : ''}
${series.map(([field, color]) => `<path d="${path(field)}" fill="none" stroke="${color}" stroke-width="2"/>`).join('\n')}
${series.map(([, color, name], i) => `<rect x="${W - R - 210}" y="${H - B - 62 + i * 16}" width="12" height="3" fill="${color}"/><text x="${W - R - 192}" y="${H - B - 57 + i * 16}">${name}</text>`).join('\n')}
</svg>
`
mkdirSync(dirname(values.svg!), { recursive: true })
writeFileSync(values.svg!, svg)
console.log(`  chart: ${values.svg}`)
