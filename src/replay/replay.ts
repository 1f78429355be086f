import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { FastifyInstance } from 'fastify'
import { CookieJar } from 'tough-cookie'
import { AppError } from '../errors.js'
import { CLICK_CHANNEL, RECLASSIFY_CHANNEL, subscribe } from '../events/click-channels.js'
import type { Linkprint } from '../linkprint.js'
import type { User } from '../storage/storage.js'
import type { ReplayClock } from './replay-clock.js'
import { parseReplayEvent, type ReplayClick } from './replay-event.js'

export interface ReplayDecision {
  id: string
  deviceId: string
  browserId: string
  confidence: number | null
  browserUnique: boolean
  deviceUnique: boolean
  bot: boolean
}

export interface ReplaySummary {
  lines: number
  links: number
  clicks: number
  /** Clicks answered with a redirect (the rest: unknown link, expired, exhausted). */
  redirected: number
  invalid: Array<{ line: number; error: string }>
  seconds: number
}

interface Pending {
  id: string
  key: string | null
  legacyId: string | null
  confidence: number | null
  browserUnique: boolean
  deviceUnique: boolean
  bot: boolean
  botId: string
  /** The scanner detector's handle of the click, when it judged it (reclassifications name it). */
  seq: number | null
}

const BASE = 'http://replay.linkprint.invalid'

/**
 * Feeds recorded requests through the same Fastify app the server runs, with each
 * event's own time on the clock and a real cookie store per jar, as a browser profile
 * keeps one. The jar's name never reaches linkprint: only the cookies it holds do.
 * (tough-cookie checks expiry against the wall clock; linkprint's cookie lives 400
 * days, longer than any replay spans, so event time and wall time agree on it.)
 */
export async function replay(options: {
  linkprint: Linkprint
  app: FastifyInstance
  clock: ReplayClock
  owner: User
  file: string
  onDecision?: (decision: ReplayDecision) => void
  /** The browsers' cookie stores, by jar name: pass the same map to a second replay to go on with the same browsers (a server restart between two files). */
  jars?: Map<string, CookieJar>
}): Promise<ReplaySummary> {
  const { linkprint, app, clock, owner } = options
  const started = performance.now()
  const jars = options.jars ?? new Map<string, CookieJar>()
  const pending: Pending[] = []
  const summary: ReplaySummary = { lines: 0, links: 0, clicks: 0, redirected: 0, invalid: [], seconds: 0 }
  let last: Pending | null = null
  // Clicks the scanner detector may still reclassify, by its handle: the final flag is written, not the first.
  const bySeq = new Map<number, Pending>()
  const stopClicks = subscribe(CLICK_CHANNEL, linkprint.clickEnvironment, ({ outcome }) => {
    const ctx = outcome.context
    last = {
      id: '', key: ctx.identity?.key ?? null, legacyId: ctx.legacyId, confidence: ctx.identity?.confidence ?? null,
      browserUnique: ctx.identity?.browserUnique ?? false, deviceUnique: ctx.identity?.deviceUnique ?? false, bot: outcome.bot,
      botId: `bot:${ctx.ipHash}`, seq: ctx.scanner?.seq ?? null,
    }
  })
  const stopReclassifications = subscribe(RECLASSIFY_CHANNEL, linkprint.clickEnvironment, ({ clicks }) => {
    for (const c of clicks) {
      const p = bySeq.get(c.seq)
      if (!p) continue
      // A bot, as if flagged at once: no identity, no unique visit, the bot id.
      p.bot = true
      p.key = null
      p.confidence = null
      p.browserUnique = false
      p.deviceUnique = false
    }
  })

  const pendingLinks: Array<{ slug: string; url: string; line: number }> = []
  const createLinks = async () => {
    for (const link of pendingLinks.splice(0)) {
      try {
        if (!(await linkprint.storage.links.findLinkBySlug(link.slug))) {
          await linkprint.links.create(owner, { url: link.url, slug: link.slug })
          summary.links++
        }
      } catch (error) {
        if (!(error instanceof AppError)) throw error
        summary.invalid.push({ line: link.line, error: `${error.code}: ${error.message}` })
      }
    }
  }

  const lines = createInterface({ input: createReadStream(options.file), crlfDelay: Infinity })
  for await (const line of lines) {
    summary.lines++
    if (line.trim() === '') continue
    const event = parseReplayEvent(line)
    if ('error' in event) {
      summary.invalid.push({ line: summary.lines, error: event.error })
      continue
    }
    if (event.type === 'link') {
      // Created when the first click comes, so that the link is as old as its history.
      pendingLinks.push({ ...event, line: summary.lines })
      continue
    }
    if (pendingLinks.length > 0) {
      clock.set(event.ts)
      await createLinks()
    }
    summary.clicks++
    last = null
    const status = await send(app, clock, jars, event)
    if (status >= 300 && status < 400) summary.redirected++
    const done = last as Pending | null
    if (done) {
      done.id = event.id
      pending.push(done)
      if (done.seq !== null && !done.bot) bySeq.set(done.seq, done)
    }
  }
  await createLinks()
  stopClicks()
  stopReclassifications()
  await linkprint.writer.flush()

  // Ids are written only now, after every merge the file caused: the final canonical clusters.
  const state = linkprint.identity.state
  const legacy = linkprint.fingerprinting.algorithm() === 'legacy'
  for (const p of pending) {
    const human = p.key !== null
    options.onDecision?.({
      id: p.id,
      deviceId: !human ? p.botId : legacy ? p.legacyId! : state.find('device', p.key!),
      browserId: !human ? p.botId : legacy ? p.legacyId! : state.find('browser', p.key!),
      confidence: p.confidence,
      browserUnique: p.browserUnique,
      deviceUnique: p.deviceUnique,
      bot: p.bot,
    })
  }
  summary.seconds = (performance.now() - started) / 1000
  return summary
}

async function send(app: FastifyInstance, clock: ReplayClock, jars: Map<string, CookieJar>, event: ReplayClick): Promise<number> {
  clock.set(event.ts)
  const url = `${BASE}${event.path}`
  let jar = event.jar === null ? null : jars.get(event.jar)
  if (event.jar !== null && !jar) jars.set(event.jar, (jar = new CookieJar()))
  const cookie = jar?.getCookieStringSync(url) ?? ''
  const response = await app.inject({
    method: event.method,
    url: event.path,
    headers: { ...event.headers, ...(cookie && { cookie }) },
    remoteAddress: event.ip,
  })
  const setCookie = response.headers['set-cookie']
  if (jar && setCookie) for (const c of Array.isArray(setCookie) ? setCookie : [setCookie]) jar.setCookieSync(c, url, { ignoreError: true })
  return response.statusCode
}
