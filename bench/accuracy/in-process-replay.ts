import { loadConfig } from '../../src/config/config.js'
import { runClickPipeline } from '../../src/decisions/click-pipeline.js'
import { DEVICE_COOKIE } from '../../src/identity/device-cookie.js'
import type { ClusterLevel } from '../../src/identity/fingerprint-entity.js'
import type { CorrelationRule } from '../../src/identity/correlation-rules.js'
import { IdentityEngine } from '../../src/identity/identity-engine.js'
import { MemoryIdentityState } from '../../src/identity/memory-identity-state.js'
import { createLinkprint } from '../../src/linkprint.js'
import type { ClickLine, Decision, LinkLine } from './types.js'

/** A union the engine asked of its state while it resolved one click. */
export interface TracedUnion {
  level: ClusterLevel
  /** The context being placed (the click's own). */
  a: string
  /** The candidate it was joined to. */
  b: string
  provisional: boolean
}

/** What the engine decided on one click, with the evidence it used, for the explain report. */
export interface TracedClick {
  id: string
  /** The storage context (cookie id or strict-mode session key); null for bots. */
  key: string | null
  bot: boolean
  /** Why it is a bot (the bot detector's or the scanner detector's reason, or the latest reclassification's); null for a person. */
  botReason: string | null
  confidence: number | null
  /** The factors of the click's context after the click (the rule that placed it). */
  factors: readonly string[]
  /** Its correlation type after the click: null while it was never linked. */
  correlationType: 'exact' | 'partial' | null
  unions: TracedUnion[]
  /** The context was new on this click. */
  isNew: boolean
}

export interface InProcessRun {
  decisions: Decision[]
  traced: Map<string, TracedClick>
}

/**
 * The click pipeline of `linkprint replay`, in this process: the same steps, the same
 * engine, a cookie store per jar — without Fastify and SQLite, so that every union the
 * engine makes can be traced to the rule that made it (bench/accuracy/explain.ts). Its
 * decisions are the replay's (explain.ts prints both scores when asked, to show it).
 */
export async function runInProcess(links: readonly LinkLine[], clicks: readonly ClickLine[], opts: { rules?: readonly CorrelationRule[] } = {}): Promise<InProcessRun> {
  const clock = { now: () => 0 }
  const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', SECRET: 'explain-secret-explain-secret', PRIVACY_MODE: 'full' })
  // The engine linkprint would build, on a state whose unions are traced.
  const state = new MemoryIdentityState({ maxEntities: config.identityMaxContexts })
  const unions: TracedUnion[] = []
  const union = state.union.bind(state)
  state.union = (level, a, b, provisionalOn) => {
    unions.push({ level, a, b, provisional: provisionalOn !== undefined })
    return union(level, a, b, provisionalOn)
  }
  const identity = new IdentityEngine({ state, sessionWindowMs: config.sessionWindow, minConfidence: config.minConfidence, ...(opts.rules ? { rules: opts.rules } : {}) })
  const linkprint = await createLinkprint(config, { clock, identity })
  try {
    const owner = await linkprint.auth.createUser('explain@example.com', 'explain-password', true)
    const bySlug = new Map<string, Awaited<ReturnType<typeof linkprint.links.create>>>()
    for (const l of links) bySlug.set(`/${l.slug}`, await linkprint.links.create(owner, { url: l.url, slug: l.slug }))
    const env = linkprint.clickEnvironment
    const jars = new Map<string, string>()
    const traced = new Map<string, TracedClick>()
    const order: Array<{ id: string; key: string | null; seq: number | null; confidence: number | null; browserUnique: boolean; deviceUnique: boolean; bot: boolean; botId: string }> = []
    const bySeq = new Map<number, (typeof order)[number]>()
    for (const c of clicks) {
      const link = bySlug.get(c.path)
      if (!link) continue
      const t = Date.parse(c.ts)
      clock.now = () => t
      const cookie = jars.get(c.jar)
      unions.length = 0
      const outcome = runClickPipeline({ ts: t, method: c.method, peerIp: c.ip, headers: { ...c.headers, ...(cookie && { cookie: `${DEVICE_COOKIE}=${cookie}` }) }, secure: false }, link, env)
      for (const r of outcome.reclassified) {
        const p = bySeq.get(r.seq)
        if (!p) continue
        p.bot = true
        p.key = null
        p.confidence = null
        const tc = traced.get(p.id)
        if (tc) {
          tc.bot = true
          tc.botReason = r.reason
        }
      }
      if (outcome.dropped) continue
      if (outcome.setCookie) jars.set(c.jar, outcome.setCookie.slice(DEVICE_COOKIE.length + 1, outcome.setCookie.indexOf(';')))
      const id = outcome.context.identity
      const row = {
        id: c.id, key: id?.key ?? null, seq: outcome.context.scanner?.seq ?? null, confidence: id?.confidence ?? null,
        browserUnique: id?.browserUnique ?? false, deviceUnique: id?.deviceUnique ?? false, bot: outcome.bot, botId: `bot:${outcome.context.ipHash}`,
      }
      order.push(row)
      if (row.seq !== null && !row.bot) bySeq.set(row.seq, row)
      traced.set(c.id, { id: c.id, key: row.key, bot: row.bot, botReason: outcome.context.bot.reason, confidence: row.confidence, factors: id ? [...id.factors] : [], correlationType: id?.correlationType ?? null, unions: unions.splice(0), isNew: id?.newEntity !== null && id !== null })
    }
    const decisions: Decision[] = order.map((p) => ({
      id: p.id,
      deviceId: p.key === null ? p.botId : state.find('device', p.key),
      browserId: p.key === null ? p.botId : state.find('browser', p.key),
      confidence: p.confidence,
      browserUnique: p.browserUnique,
      deviceUnique: p.deviceUnique,
      bot: p.bot,
    }))
    return { decisions, traced }
  } finally {
    await linkprint.close()
  }
}
