/**
 * Where linkprint loses device recall and precision, per profile, and what the best
 * linker restricted to the events could reach:
 *
 *   npm run bench:explain -- [--profiles mixed,office] [--shares 0.8,0,bridge] [--seed 42] [--people N] [--days N] [--json FILE] [--brief] [--check] [--without rule,rule]
 *
 * It simulates the profile (as run.ts does), runs the click pipeline in this process
 * (in-process-replay.ts: linkprint replay's steps and engine, with every union traced)
 * and prints:
 * 1. missed joins: every piece of a true device that ended in another predicted device
 *    than the device's other contexts, by what kind of storage context it starts with
 *    (private window, in-app view, new jar of a known install, another browser, strict
 *    DNT/GPC session) and by the best evidence the events hold between it and the rest
 *    of the device (SDK hashes and how many devices share them, the same address or
 *    network and how long apart, whether another device of the same OS and type was
 *    there meanwhile);
 * 2. the engine's unions by rule and level, and how many joined the same device
 *    (install, for browser-level ones), at the time they were made;
 * 3. the clicks left on a wrong device at the end, by the rule that placed them; the
 *    clicks of merged contexts by rule, right or not at the end, beside the confidence
 *    given; and the scorer's calibration split by rule;
 * 4. ceilings: every jar of a browser install joined (and nothing else); every context
 *    joined that shares any address, network or SDK hash with the device's others
 *    (the most any linker of these signals could join, at precision 1); and only those
 *    joined whose evidence singles the device out (a hash no other device sent, an
 *    address or network no other device of that OS and type used within a week) — what
 *    a linker that merges only when the events leave no doubt reaches, knowing the
 *    future as it must not;
 * 5. candidate rules as an online linker would run them (only what was seen before,
 *    predicted clusters, not the truth): how often each fires, how often rightly, and
 *    how many right joins linkprint does not already make.
 * --brief prints one line per run; --check the score as run.ts computes it (the same as
 * the replay's); --without runs the engine without the named rules.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { CORRELATION_RULES, specificModel } from '../../src/identity/correlation-rules.js'
import { parseUserAgent, clientHintsOf } from '../../src/signals/user-agent.js'
import { bCubed } from './b-cubed.js'
import { deviceCountError } from './device-count-error.js'
import { runInProcess, type TracedClick } from './in-process-replay.js'
import type { ProfileName } from './profiles.js'
import { profiles } from './profiles.js'
import { score, textTable } from './score.js'
import { simulate, type RedirectMode } from './simulate.js'
import { trafficSettings } from './traffic-setting.js'
import type { ClickLine, Decision, TruthLine } from './types.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const WEEK = 7 * DAY

interface Row {
  c: ClickLine
  t: number
  truth: TruthLine
  trace: TracedClick | undefined
  decision: Decision | undefined
  prefix: string
  os: string
  type: string
  inApp: string | null
  strict: boolean
  sdkDev: string | null
  sdkBr: string | null
  kind: string
  /** Primary Accept-Language subtag, and the device model when the UA names one specifically. */
  lang: string
  model: string | null
}

export function prefixOf(ip: string): string {
  if (ip.includes(':')) return ip.split(':').slice(0, 4).join(':')
  return ip.split('.').slice(0, 3).join('.')
}

interface Ctx {
  key: string
  device: string
  install: string
  rows: Row[]
  first: number
}

/** Which kind of storage context a context is, against the device's contexts before it. */
function contextKind(ctx: Ctx, earlier: readonly Ctx[]): string {
  const r = ctx.rows[0]!
  if (r.strict) return 'strict session (DNT/GPC)'
  if (earlier.length === 0) return 'first'
  if (r.truth.private) return 'private window'
  if (r.inApp) return 'in-app view'
  if (earlier.some((e) => e.install === ctx.install)) return 'new jar, same install'
  return 'another browser'
}

function dtBucket(dt: number): string {
  return dt <= HOUR ? '≤1h' : dt <= DAY ? '≤1d' : dt <= WEEK ? '≤7d' : '>7d'
}

export interface Explanation {
  profile: string
  sdkShare: number
  /** present for bridge runs */
  redirectMode?: RedirectMode
  score: { device: ReturnType<typeof bCubed>; browser: ReturnType<typeof bCubed>; countTotal: number }
  missed: Record<string, Record<string, { pieces: number; clicks: number }>>
  unions: Record<string, { n: number; right: number }>
  wrongClicks: Record<string, number>
  /** Per rule that placed a context: its clicks after its first, how many are on their device's cluster at the end, and the mean confidence given. */
  byRule: Record<string, { clicks: number; right: number; confidence: number }>
  /** The scorer's calibration (calibration.ts), by the rule that placed the click's context: clicks of an id seen before, right when the id's earlier clicks mostly came from the click's device. */
  calibrationByRule: Record<string, { clicks: number; right: number; confidence: number }>
  ceilings: Record<string, { precision: number; recall: number; f1: number; countTotal: number; evergreenTotal: number }>
  /** Rule families an online linker could run, tried on every new context: how often they fire, how often rightly, and the right joins linkprint lacks. */
  candidates: Record<string, { fired: number; right: number; newRight: number }>
}

export function explain(clicks: readonly ClickLine[], truth: readonly TruthLine[], decisions: readonly Decision[], traced: ReadonlyMap<string, TracedClick>, linkKinds: ReadonlyMap<string, string>): Omit<Explanation, 'profile' | 'sdkShare' | 'redirectMode'> {
  const truthById = new Map(truth.map((t) => [t.id, t] as const))
  const decById = new Map(decisions.map((d) => [d.id, d] as const))
  const rows: Row[] = []
  for (const c of clicks) {
    const tr = truthById.get(c.id)!
    if (tr.bot) continue
    const ua = parseUserAgent(c.headers['user-agent'], clientHintsOf(c.headers))
    // DNT and Sec-GPC make a request strict: the engine never sees its SDK headers.
    const strict = c.headers.dnt === '1' || c.headers['sec-gpc'] === '1'
    rows.push({
      c, t: Date.parse(c.ts), truth: tr, trace: traced.get(c.id), decision: decById.get(c.id), prefix: prefixOf(c.ip),
      os: ua.os.name ?? '?', type: ua.device.type, inApp: ua.inApp, strict,
      sdkDev: strict ? null : c.headers['x-device-fingerprint'] ?? null, sdkBr: strict ? null : c.headers['x-browser-fingerprint'] ?? null, kind: linkKinds.get(tr.link) ?? '?',
      lang: (c.headers['accept-language'] ?? '').split(/[,;-]/)[0]!.toLowerCase(), model: specificModel(ua.device.model),
    })
  }
  rows.sort((a, b) => a.t - b.t)

  // Who carries what: SDK hashes by true device, addresses and networks by time.
  const devicesOf = (pick: (r: Row) => string | null) => {
    const m = new Map<string, Set<string>>()
    for (const r of rows) {
      const k = pick(r)
      if (!k) continue
      let s = m.get(k)
      if (!s) m.set(k, (s = new Set()))
      s.add(r.truth.deviceId)
    }
    return m
  }
  const sdkDevDevices = devicesOf((r) => r.sdkDev)
  const sdkBrDevices = devicesOf((r) => r.sdkBr)
  const byIp = new Map<string, Row[]>()
  const byPrefix = new Map<string, Row[]>()
  for (const r of rows) {
    // Strict requests' address hashes change every UTC day: the engine can match them only within the day.
    const ip = r.strict ? `${r.c.ip}@${Math.floor(r.t / DAY)}` : r.c.ip
    const prefix = r.strict ? `${r.prefix}@${Math.floor(r.t / DAY)}` : r.prefix
    ;(byIp.get(ip) ?? byIp.set(ip, []).get(ip)!).push(r)
    ;(byPrefix.get(prefix) ?? byPrefix.set(prefix, []).get(prefix)!).push(r)
  }
  const ipKey = (r: Row) => (r.strict ? `${r.c.ip}@${Math.floor(r.t / DAY)}` : r.c.ip)
  const prefixKey = (r: Row) => (r.strict ? `${r.prefix}@${Math.floor(r.t / DAY)}` : r.prefix)
  /** Other devices of the same OS and type on the address (or network) within `span` of t. */
  const crowd = (index: Map<string, Row[]>, key: string, r: Row, span: number): number => {
    const others = new Set<string>()
    for (const o of index.get(key) ?? []) {
      if (o.truth.deviceId === r.truth.deviceId || Math.abs(o.t - r.t) > span) continue
      if (o.os === r.os && o.type === r.type) others.add(o.truth.deviceId)
    }
    return others.size
  }

  // Contexts (the engine's storage contexts; a click it took for a bot has none).
  const contexts = new Map<string, Ctx>()
  for (const r of rows) {
    const key = r.trace?.key
    if (!key) continue
    let ctx = contexts.get(key)
    if (!ctx) contexts.set(key, (ctx = { key, device: r.truth.deviceId, install: r.truth.browserId, rows: [], first: r.t }))
    ctx.rows.push(r)
  }
  const byDevice = new Map<string, Ctx[]>()
  for (const ctx of contexts.values()) (byDevice.get(ctx.device) ?? byDevice.set(ctx.device, []).get(ctx.device)!).push(ctx)
  const kindOf = new Map<string, string>()
  for (const list of byDevice.values()) {
    list.sort((a, b) => a.first - b.first)
    list.forEach((ctx, i) => kindOf.set(ctx.key, contextKind(ctx, list.slice(0, i))))
  }

  // 1. Missed joins.
  const missed: Explanation['missed'] = {}
  const finalDevice = (ctx: Ctx) => ctx.rows[ctx.rows.length - 1]!.decision?.deviceId ?? ctx.key
  const evidence = (piece: Row[], rest: Row[]): string => {
    const restDev = new Set(rest.map((r) => r.sdkDev).filter(Boolean))
    const restBr = new Set(rest.map((r) => r.sdkBr).filter(Boolean))
    let best = 'none'
    let rank = 0
    const offer = (label: string, k: number) => {
      if (k > rank) {
        rank = k
        best = label
      }
    }
    for (const x of piece) {
      if (x.sdkBr && restBr.has(x.sdkBr)) {
        const n = sdkBrDevices.get(x.sdkBr)!.size
        offer(n === 1 ? 'sdk browser hash, unique' : 'sdk browser hash, shared', n === 1 ? 9 : 3)
      }
      if (x.sdkDev && restDev.has(x.sdkDev)) {
        const n = sdkDevDevices.get(x.sdkDev)!.size
        offer(n === 1 ? 'sdk device hash, unique' : 'sdk device hash, shared', n === 1 ? 8 : 2)
      }
      for (const y of rest) {
        if (ipKey(x) === ipKey(y)) {
          const dt = Math.abs(x.t - y.t)
          const n = crowd(byIp, ipKey(x), x, Math.max(dt, DAY))
          const quiet = n === 0
          offer(`same address ${dtBucket(dt)}${quiet ? ', no look-alike' : ', look-alikes'}`, quiet ? 7 - ['≤1h', '≤1d', '≤7d', '>7d'].indexOf(dtBucket(dt)) * 0.5 : 4 - ['≤1h', '≤1d', '≤7d', '>7d'].indexOf(dtBucket(dt)) * 0.1)
        } else if (prefixKey(x) === prefixKey(y)) {
          const dt = Math.abs(x.t - y.t)
          const n = crowd(byPrefix, prefixKey(x), x, Math.max(dt, DAY))
          offer(n === 0 ? 'same network only, no look-alike' : 'same network only, look-alikes', n === 0 ? 3.5 : 1)
        }
      }
    }
    return best
  }
  for (const list of byDevice.values()) {
    const pieces = new Map<string, Ctx[]>()
    for (const ctx of list) (pieces.get(finalDevice(ctx)) ?? pieces.set(finalDevice(ctx), []).get(finalDevice(ctx))!).push(ctx)
    if (pieces.size < 2) continue
    const ordered = [...pieces.values()].sort((a, b) => a[0]!.first - b[0]!.first)
    for (let i = 1; i < ordered.length; i++) {
      const piece = ordered[i]!.flatMap((c) => c.rows)
      const rest = ordered.filter((_, j) => j !== i).flatMap((p) => p.flatMap((c) => c.rows))
      const kind = kindOf.get(ordered[i]![0]!.key)!
      const ev = evidence(piece, rest)
      const cell = ((missed[kind] ??= {})[ev] ??= { pieces: 0, clicks: 0 })
      cell.pieces++
      cell.clicks += piece.length
    }
  }

  // 2. Unions by rule, as the engine made them.
  const unions: Explanation['unions'] = {}
  const ctxDevice = new Map<string, string>()
  const ctxInstall = new Map<string, string>()
  for (const r of rows) {
    const tr = r.trace
    if (!tr?.key) continue
    if (!ctxDevice.has(tr.key)) {
      ctxDevice.set(tr.key, r.truth.deviceId)
      ctxInstall.set(tr.key, r.truth.browserId)
    }
    for (const u of tr.unions) {
      const rule = `${tr.factors[0] ?? '?'} (${u.level})`
      const right = u.level === 'device' ? ctxDevice.get(u.b) === r.truth.deviceId : ctxInstall.get(u.b) === r.truth.browserId
      const cell = (unions[rule] ??= { n: 0, right: 0 })
      cell.n++
      if (right) cell.right++
    }
  }

  // 3. Clicks on a wrong device at the end, by the rule that placed their context.
  const wrongClicks: Explanation['wrongClicks'] = {}
  const byPredicted = new Map<string, Row[]>()
  for (const r of rows) if (r.decision && !r.decision.bot) (byPredicted.get(r.decision.deviceId) ?? byPredicted.set(r.decision.deviceId, []).get(r.decision.deviceId)!).push(r)
  for (const members of byPredicted.values()) {
    const counts = new Map<string, number>()
    for (const r of members) counts.set(r.truth.deviceId, (counts.get(r.truth.deviceId) ?? 0) + 1)
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0]
    for (const r of members) {
      if (r.truth.deviceId === top) continue
      const f = r.trace?.factors[0] ?? 'none (a root others joined)'
      wrongClicks[f] = (wrongClicks[f] ?? 0) + 1
    }
  }

  // 3b. Clicks of linked contexts by the rule that placed them: right at the end, and the confidence given (calibration per rule).
  const byRule: Explanation['byRule'] = {}
  for (const members of byPredicted.values()) {
    const counts = new Map<string, number>()
    for (const r of members) counts.set(r.truth.deviceId, (counts.get(r.truth.deviceId) ?? 0) + 1)
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0]
    // A context alone in its cluster at the end (never linked, or its link withdrawn) is its own device: not a merge.
    const alone = new Set(members.map((r) => r.trace?.key)).size === 1
    for (const r of members) {
      const f = alone ? 'alone at the end' : r.trace?.factors[0] ?? 'cookie (never linked)'
      const cell = (byRule[f] ??= { clicks: 0, right: 0, confidence: 0 })
      cell.clicks++
      if (r.truth.deviceId === top) cell.right++
      cell.confidence += r.decision?.confidence ?? 0
    }
  }
  for (const cell of Object.values(byRule)) cell.confidence /= cell.clicks
  const calibrationByRule: Explanation['calibrationByRule'] = {}
  const earlier = new Map<string, Map<string, number>>()
  for (const r of rows) {
    const id = r.decision?.deviceId
    if (!id || r.decision!.bot) continue
    const counts = earlier.get(id)
    if (counts) {
      let top = ''
      let n = -1
      for (const [d, k] of counts) if (k > n) [top, n] = [d, k]
      const f = !r.trace ? 'untraced' : r.trace.correlationType === null || r.trace.factors.length === 0 ? 'unlinked context' : r.trace.factors[0]!
      const cell = (calibrationByRule[f] ??= { clicks: 0, right: 0, confidence: 0 })
      cell.clicks++
      if (top === r.truth.deviceId) cell.right++
      cell.confidence += r.decision!.confidence ?? 0
      counts.set(r.truth.deviceId, (counts.get(r.truth.deviceId) ?? 0) + 1)
    } else earlier.set(id, new Map([[r.truth.deviceId, 1]]))
  }
  for (const cell of Object.values(calibrationByRule)) cell.confidence /= cell.clicks

  // 4. Ceilings. A click's storage context is the engine's key when traced, else its jar — by the UTC day for a strict (DNT/GPC) request, whose session the engine keys per day.
  const contextKey = (r: Row): string => r.trace?.key ?? (r.strict ? `${r.c.jar}@${Math.floor(r.t / DAY)}` : r.c.jar)
  const ceilings: Explanation['ceilings'] = {}
  const scoreIds = (name: string, idOf: (r: Row) => string) => {
    const pred = rows.map(idOf)
    const b = bCubed(pred, rows.map((r) => r.truth.deviceId))
    const count = deviceCountError(rows.map((r, i) => ({ link: r.truth.link, predicted: pred[i]!, truth: r.truth.deviceId })))
    const ever = deviceCountError(rows.map((r, i) => ({ link: r.truth.link, predicted: pred[i]!, truth: r.truth.deviceId })).filter((x) => linkKinds.get(x.link) === 'evergreen'))
    ceilings[name] = { precision: b.precision, recall: b.recall, f1: b.f1, countTotal: count.total, evergreenTotal: ever.total }
  }
  scoreIds('linkprint', (r) => r.decision?.deviceId ?? `missing:${r.c.id}`)
  scoreIds('cookie jar (= cookie-only)', contextKey)
  scoreIds('every jar of an install joined', (r) => (r.strict ? contextKey(r) : r.truth.browserId))
  const parent = new Map<string, string>()
  const find = (k: string): string => {
    let x = k
    while (parent.get(x) !== undefined && parent.get(x) !== x) x = parent.get(x)!
    return x
  }
  const join = (a: string, b: string) => {
    const ra = find(a)
    const rb = find(b)
    if (ra !== rb) parent.set(ra, rb)
  }
  const linkWhere = (ok: (x: Row, y: Row, via: 'ip' | 'prefix' | 'sdkDev' | 'sdkBr') => boolean) => {
    parent.clear()
    const keyOf = contextKey
    const pairsBy = (index: Map<string, Row[]>, via: 'ip' | 'prefix') => {
      for (const list of index.values()) {
        for (let i = 0; i < list.length; i++) {
          for (let j = i + 1; j < list.length; j++) {
            const x = list[i]!
            const y = list[j]!
            if (x.truth.deviceId === y.truth.deviceId && keyOf(x) !== keyOf(y) && ok(x, y, via)) join(keyOf(x), keyOf(y))
          }
        }
      }
    }
    pairsBy(byIp, 'ip')
    pairsBy(byPrefix, 'prefix')
    for (const [pick, via] of [[(r: Row) => r.sdkDev, 'sdkDev'], [(r: Row) => r.sdkBr, 'sdkBr']] as const) {
      const first = new Map<string, Row>()
      for (const r of rows) {
        const h = pick(r)
        if (!h || r.strict) continue
        const f = first.get(`${h}|${r.truth.deviceId}`)
        if (!f) first.set(`${h}|${r.truth.deviceId}`, r)
        else if (keyOf(f) !== keyOf(r) && ok(f, r, via)) join(keyOf(f), keyOf(r))
      }
    }
    return (r: Row) => find(keyOf(r))
  }
  scoreIds('any shared address, network or SDK hash', linkWhere(() => true))
  // Evidence that singles the device out: a hash no other device sent, or an address
  // (network) no other device of the kind used within `span` of both sightings.
  const singledOut = (span: number, only?: 'sdkBr' | 'sdkDev' | 'ip' | 'prefix') => linkWhere((x, y, via) => {
    if (only !== undefined && via !== only) return false
    if (via === 'sdkDev') return sdkDevDevices.get(x.sdkDev!)!.size === 1
    if (via === 'sdkBr') return sdkBrDevices.get(x.sdkBr!)!.size === 1
    const dt = Math.abs(x.t - y.t)
    if (dt > span) return false
    const index = via === 'ip' ? byIp : byPrefix
    const key = via === 'ip' ? ipKey(x) : prefixKey(x)
    return crowd(index, key, x, Math.max(dt, DAY)) === 0 && crowd(index, key, y, Math.max(dt, DAY)) === 0
  })
  scoreIds('evidence that singles the device out', singledOut(WEEK))
  for (const only of ['sdkBr', 'sdkDev', 'ip', 'prefix'] as const) scoreIds(`  …by ${only} alone`, singledOut(WEEK, only))
  scoreIds('  …only within a day', singledOut(DAY))

  // 5. Candidate rules, online: at each new context's first click, the most recent earlier
  // context (of another predicted device) that satisfies the rule, fired only when its
  // predicted device is the only one of that kind on the address (network) in the last 30 days.
  const candidates: Explanation['candidates'] = {}
  const compatible = (x: Row, c: Row) => x.os === c.os && x.type === c.type && x.lang === c.lang && !(x.model && c.model && x.model !== c.model) && !(x.sdkDev && c.sdkDev && x.sdkDev !== c.sdkDev)
  type Family = { name: string; net: 'ip' | 'prefix'; within: number; ok: (x: Row, c: Row) => boolean; sole: (x: Row, c: Row) => boolean }
  const families: Family[] = [
    ...[HOUR, DAY, WEEK].map((w) => ({ name: `same address ${dtBucket(w)}, only device of its kind there`, net: 'ip' as const, within: w, ok: compatible, sole: compatible })),
    { name: 'same address ≤1d, identical UA, only device of its kind there', net: 'ip', within: DAY, ok: (x, c) => compatible(x, c) && x.c.headers['user-agent'] === c.c.headers['user-agent'], sole: compatible },
    { name: 'same IPv6 /64 ≤7d, only device of its kind there', net: 'prefix', within: WEEK, ok: (x, c) => x.c.ip.includes(':') && compatible(x, c), sole: compatible },
    { name: 'same IPv4 /24 ≤7d, only device of its kind there', net: 'prefix', within: WEEK, ok: (x, c) => !x.c.ip.includes(':') && compatible(x, c), sole: compatible },
    { name: 'same SDK device hash, same address ≤1d, only device with it there', net: 'ip', within: DAY, ok: (x, c) => !!x.sdkDev && x.sdkDev === c.sdkDev && compatible(x, c), sole: (x, c) => !!x.sdkDev && x.sdkDev === c.sdkDev },
    { name: 'same SDK browser hash, same address, only device with it there', net: 'ip', within: 30 * DAY, ok: (x, c) => !!x.sdkBr && x.sdkBr === c.sdkBr, sole: (x, c) => !!x.sdkBr && x.sdkBr === c.sdkBr },
    { name: 'same link ≤5 min, same address, another browser, only clicker of its kind', net: 'ip', within: 5 * 60_000, ok: (x, c) => compatible(x, c) && x.c.path === c.c.path && x.c.headers['user-agent'] !== c.c.headers['user-agent'], sole: (x, c) => compatible(x, c) && x.c.path === c.c.path },
  ]
  const firstOf = new Set<string>()
  const pastIp = new Map<string, Row[]>()
  const pastPrefix = new Map<string, Row[]>()
  for (const x of rows) {
    const key = x.trace?.key
    if (key && !firstOf.has(key)) {
      firstOf.add(key)
      for (const f of families) {
        const past = (f.net === 'ip' ? pastIp.get(ipKey(x)) : pastPrefix.get(prefixKey(x))) ?? []
        let pick: Row | undefined
        const kinds = new Set<string>()
        for (let i = past.length - 1; i >= 0; i--) {
          const c = past[i]!
          if (x.t - c.t > 30 * DAY) break
          if (c.trace?.key === key) continue
          if (f.sole(x, c)) kinds.add(c.decision?.deviceId ?? c.c.id)
          if (!pick && x.t - c.t <= f.within && f.ok(x, c)) pick = c
        }
        if (!pick || kinds.size !== 1) continue
        const cell = (candidates[f.name] ??= { fired: 0, right: 0, newRight: 0 })
        cell.fired++
        if (pick.truth.deviceId === x.truth.deviceId) {
          cell.right++
          if (pick.decision?.deviceId !== x.decision?.deviceId) cell.newRight++
        }
      }
    }
    ;(pastIp.get(ipKey(x)) ?? pastIp.set(ipKey(x), []).get(ipKey(x))!).push(x)
    ;(pastPrefix.get(prefixKey(x)) ?? pastPrefix.set(prefixKey(x), []).get(prefixKey(x))!).push(x)
  }

  const device = bCubed(rows.map((r) => r.decision?.deviceId ?? r.c.id), rows.map((r) => r.truth.deviceId))
  const browser = bCubed(rows.map((r) => r.decision?.browserId ?? r.c.id), rows.map((r) => r.truth.browserId))
  return { score: { device, browser, countTotal: ceilings.linkprint!.countTotal }, missed, unions, wrongClicks, byRule, calibrationByRule, ceilings, candidates }
}

/** The ceilings alone, from a replay's decisions (no traces: a click's context is its jar, by the day when strict). */
export function ceilingsOf(clicks: readonly ClickLine[], truth: readonly TruthLine[], decisions: readonly Decision[], linkKinds: ReadonlyMap<string, string>): Explanation['ceilings'] {
  return explain(clicks, truth, decisions, new Map(), linkKinds).ceilings
}

export function ceilingRows(ceilings: Explanation['ceilings']): string[][] {
  const f3 = (x: number) => x.toFixed(3)
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`
  return [['linker (precision 1 unless it is linkprint)', 'device P/R/F1', 'dev total', 'evergreen'], ...Object.entries(ceilings).map(([k, v]) => [k.trim(), `${f3(v.precision)}/${f3(v.recall)}/${f3(v.f1)}`, pct(v.countTotal), pct(v.evergreenTotal)])]
}

export function formatExplanation(e: Explanation): string {
  const out: string[] = []
  const f3 = (x: number) => x.toFixed(3)
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`
  out.push(`\n=== ${e.profile}, ${e.redirectMode === 'bridge' ? 'bridge' : `SDK share ${e.sdkShare}`}: device P/R/F1 ${f3(e.score.device.precision)}/${f3(e.score.device.recall)}/${f3(e.score.device.f1)}, browser F1 ${f3(e.score.browser.f1)}, count ${pct(e.score.countTotal)}`)
  out.push('\n-- missed joins (pieces / clicks): what kind of context, and the best evidence the events hold')
  const evs = [...new Set(Object.values(e.missed).flatMap((m) => Object.keys(m)))].sort()
  const kinds = Object.keys(e.missed).sort()
  const table: string[][] = [['evidence', ...kinds, 'all']]
  for (const ev of evs) {
    let pieces = 0
    let clicks = 0
    const cells = kinds.map((k) => {
      const c = e.missed[k]![ev]
      if (!c) return '·'
      pieces += c.pieces
      clicks += c.clicks
      return `${c.pieces}/${c.clicks}`
    })
    table.push([ev, ...cells, `${pieces}/${clicks}`])
  }
  const totals = kinds.map((k) => Object.values(e.missed[k]!).reduce((a, c) => [a[0]! + c.pieces, a[1]! + c.clicks], [0, 0]))
  table.push(['all', ...totals.map(([p, c]) => `${p}/${c}`), `${totals.reduce((a, t) => a + t[0]!, 0)}/${totals.reduce((a, t) => a + t[1]!, 0)}`])
  out.push(textTable(table))
  out.push('\n-- unions by rule: made / joined the same device (install, for browser level)')
  out.push(textTable([['rule', 'unions', 'right', 'precision'], ...Object.entries(e.unions).sort().map(([k, v]) => [k, String(v.n), String(v.right), (v.right / v.n).toFixed(3)])]))
  out.push('\n-- clicks on a wrong device at the end, by the rule that placed their context')
  out.push(textTable([['rule', 'clicks'], ...Object.entries(e.wrongClicks).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, String(v)])]))
  out.push('\n-- clicks of merged contexts by the rule that placed them: on their cluster\'s device at the end, against the confidence given')
  out.push(textTable([['rule', 'clicks', 'right', 'accuracy', 'mean confidence'], ...Object.entries(e.byRule).sort((a, b) => b[1].clicks - a[1].clicks).map(([k, v]) => [k, String(v.clicks), String(v.right), (v.right / v.clicks).toFixed(3), v.confidence.toFixed(1)])]))
  out.push('\n-- calibration as the scorer measures it, by the rule that placed the click\'s context')
  out.push(textTable([['rule', 'clicks', 'right', 'accuracy', 'mean confidence'], ...Object.entries(e.calibrationByRule).sort((a, b) => b[1].clicks - a[1].clicks).map(([k, v]) => [k, String(v.clicks), String(v.right), (v.right / v.clicks).toFixed(3), v.confidence.toFixed(1)])]))
  out.push('\n-- ceilings (device B-cubed; count error in total and on evergreen links)')
  out.push(textTable([['linker', 'P', 'R', 'F1', 'count', 'evergreen'], ...Object.entries(e.ceilings).map(([k, v]) => [k, f3(v.precision), f3(v.recall), f3(v.f1), pct(v.countTotal), pct(v.evergreenTotal)])]))
  out.push('\n-- candidate rules, as an online linker would run them on every new context (fired / right / right joins linkprint lacks)')
  out.push(textTable([['rule', 'fired', 'right', 'precision', 'new right'], ...Object.entries(e.candidates).map(([k, v]) => [k, String(v.fired), String(v.right), (v.right / Math.max(1, v.fired)).toFixed(3), String(v.newRight)])]))
  return out.join('\n')
}

const isMain = process.argv[1]?.endsWith('explain.ts')
if (isMain) {
  const { values } = parseArgs({
    options: {
      profiles: { type: 'string', default: 'mixed,office,mobile,household' },
      shares: { type: 'string', default: '0.8,0,bridge' },
      seed: { type: 'string', default: '42' },
      people: { type: 'string' },
      days: { type: 'string' },
      json: { type: 'string' },
      check: { type: 'boolean', default: false },
      without: { type: 'string' },
      brief: { type: 'boolean', default: false },
    },
  })
  const all: Explanation[] = []
  for (const profile of values.profiles!.split(',') as ProfileName[]) {
    if (!(profile in profiles)) throw new Error(`unknown profile ${profile}`)
    for (const setting of trafficSettings(values.shares!)) {
      const { sdkShare, redirectMode } = setting
      const sim = simulate({ profile, seed: values.seed!, sdkShare, redirectMode, ...(values.people ? { people: Number(values.people) } : {}), ...(values.days ? { days: Number(values.days) } : {}) })
      const without = new Set((values.without ?? '').split(',').filter(Boolean))
      const run = await runInProcess(sim.links, sim.clicks, without.size ? { rules: CORRELATION_RULES.filter((r) => !without.has(r.name)) } : {})
      const linkKinds = new Map(sim.meta.links.map((l) => [l.slug, l.kind] as const))
      const e: Explanation = { profile, sdkShare, ...(redirectMode === 'bridge' ? { redirectMode } : {}), ...explain(sim.clicks, sim.truth, run.decisions, run.traced, linkKinds) }
      all.push(e)
      if (values.brief) console.log(`${profile} ${setting.label}: count ${pct1(e.score.countTotal)}, device ${e.score.device.precision.toFixed(3)}/${e.score.device.recall.toFixed(3)}/${e.score.device.f1.toFixed(3)}, browser F1 ${e.score.browser.f1.toFixed(3)}`)
      else console.log(formatExplanation(e))
      if (values.check) {
        const s = score('linkprint (in process)', sim.clicks, sim.truth, run.decisions, { linkKinds })
        console.log(`\nscore as run.ts computes it: count ${pct1(s.deviceCount.total)}, device ${s.device.precision.toFixed(3)}/${s.device.recall.toFixed(3)}/${s.device.f1.toFixed(3)}, browser F1 ${s.browser.f1.toFixed(3)}, ECE ${s.calibration.ece?.toFixed(3)}`)
      }
    }
  }
  if (values.json) writeFileSync(values.json, JSON.stringify(all, null, 2) + '\n')
}

function pct1(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`
}
