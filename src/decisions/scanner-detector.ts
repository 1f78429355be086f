/**
 * Email security scanners and time-of-click checks, told apart from people by how their
 * networks behave rather than by what one request says (the agents, the sources and the
 * reasoning: docs/scanner-detection.md). This class is the detector's memory — recent
 * clicks per link, what each network prefix and block has shown, time-of-click candidates,
 * the sessions cookies were issued to — bounded whatever the traffic; what makes a
 * request a scanner's is decided by SCANNER_RULES (scanner/scanner-rules.ts), in order.
 * It is per process: instances behind one load balancer each see their share of a burst.
 */
import { Generations } from './scanner/generations.js'
import { isMobileOs } from './scanner/mobile-os.js'
import { blockOf } from './scanner/network-block.js'
import { decay, humanLike, type Level, type NetworkState } from './scanner/network-state.js'
import { SCANNER_DEFAULTS, type ScannerDetectorOptions, type ScannerSettings } from './scanner/scanner-options.js'
import type { ScannerDecision, ScannerRequest } from './scanner/scanner-request.js'
import { SCANNER_RULES, type ScannerMemory, type ScannerObservation, type ScannerRule } from './scanner/scanner-rules.js'
import { pruneClicks, type TrackedClick } from './scanner/tracked-click.js'

// The detector's vocabulary, for its callers (the click pipeline, the composition root).
export type { ScannerDecision, ScannerRequest } from './scanner/scanner-request.js'
export type { ScannerReason, TrackedClick } from './scanner/tracked-click.js'
export type { ScannerDetectorOptions } from './scanner/scanner-options.js'

const NONE: readonly TrackedClick[] = Object.freeze([])
const PER_LINK_MAX = 128
const PER_NETWORK_MAX = 64
const CANDIDATES_PER_NETWORK = 8

export class ScannerDetector {
  readonly #o: ScannerSettings
  readonly #rules: readonly ScannerRule[]
  /** What the rules may reach of this memory beyond the observation. */
  readonly #memory: ScannerMemory
  readonly #links: Generations<number, TrackedClick[]>
  readonly #networks: Generations<string, NetworkState>
  readonly #blocks: Generations<string, NetworkState>
  /** Every remembered click, oldest first: what bounds the memory of recent clicks. */
  #tracked: TrackedClick[] = []
  #trackedHead = 0
  /** Candidates outlive the recent window (their confirmation may come days later), up to a bound. */
  #candidates: TrackedClick[] = []
  #candidatesHead = 0
  /** Candidates by the cookie their responses set (a candidate whose cookie comes back was a browser). */
  readonly #issued = new Map<string, TrackedClick>()
  /** Remembered clicks by the cookie their responses set: a request that brings it back moments later is the same session. */
  readonly #sessions = new Map<string, TrackedClick>()
  #seq = 0

  constructor(options: ScannerDetectorOptions = {}, rules: readonly ScannerRule[] = SCANNER_RULES) {
    this.#o = { ...SCANNER_DEFAULTS, ...options }
    this.#rules = rules
    this.#memory = {
      settings: this.#o,
      peek: (level, id) => (level === 'block' ? this.#blocks : this.#networks).peek(id),
      addCandidate: (st, click, now) => this.#addCandidate(st, click, now),
    }
    this.#links = new Generations(this.#o.maxLinks)
    this.#networks = new Generations(this.#o.maxNetworks)
    this.#blocks = new Generations(this.#o.maxNetworks)
  }

  /** How many clicks are remembered (bounded by maxTracked + maxCandidates), for tests and the debug API. */
  get remembered(): number {
    return this.#tracked.length - this.#trackedHead + (this.#candidates.length - this.#candidatesHead)
  }

  /** Clicks held in the per-link windows (what maxTracked bounds, with the candidates); walks every window: for tests and the debug API. */
  get windowed(): number {
    let n = 0
    for (const window of this.#links.values()) n += window.length
    return n
  }

  /** Prefixes and blocks known (each bounded by maxNetworks). */
  get networks(): number {
    return this.#networks.size + this.#blocks.size
  }

  /** Judges one request that passed the bot detector, and learns from it. */
  observe(req: ScannerRequest): ScannerDecision {
    const block = blockOf(req.clientIp)
    if (block === null || req.network === '' || !Number.isFinite(req.ts)) return { reason: null, click: null, reclassified: NONE }
    const o = this.#o
    const now = req.ts
    this.#forget(now)

    // The same browser session as a request of moments ago, on this network: a sandbox keeps the cookie for the
    // seconds of its visit and runs the page's script (Safe Links follows client-side redirects: outline #9227;
    // "bots can also click on buttons": next-auth #1840), so that cookie proves nothing about a person. A person's
    // browser brings back a cookie set on an earlier visit, or one set moments ago on another network.
    const origin = req.cookieId ? this.#sessionOf(req.cookieId, block, now) : null
    const evidence = req.humanEvidence && origin === null
    const mobile = isMobileOs(req.os)
    const net = this.#state('network', req.network, now)
    const blk = this.#state('block', block, now)
    for (const st of [net, blk]) {
      st.seen += 1
      if (evidence) st.human += 1
      else if (mobile) st.mobile += 1
    }

    let window = this.#links.get(req.linkId)
    if (window === undefined) {
      window = []
      this.#links.set(req.linkId, window)
    } else {
      pruneClicks(window, now - this.#retainMs())
    }

    const click: TrackedClick = {
      seq: ++this.#seq, ts: now, linkId: req.linkId, network: req.network, block, address: req.address, method: req.method,
      userAgent: req.userAgent, os: req.os ?? null, humanEvidence: evidence, issuedCookieId: req.issuedCookieId ?? null, repeatOf: origin,
      reason: null, counted: false, released: false, candidate: false,
    }
    const netHuman = humanLike(net, o)
    if (req.cookieId && this.#issued.size > 0 && origin === null) this.#cleared(req.cookieId)

    const obs: ScannerObservation = { req, click, now, block, evidence, origin, net, blk, netHuman, window }
    let reclassified: TrackedClick[] | null = null
    for (const rule of this.#rules) {
      const verdict = rule.judge(obs, this.#memory)
      if (verdict === null) continue
      if (verdict.reclassified.length > 0) (reclassified ??= []).push(...verdict.reclassified)
      if (verdict.reason !== null) {
        click.reason = verdict.reason
        break
      }
    }

    window.push(click)
    if (window.length > PER_LINK_MAX) window.splice(0, window.length - PER_LINK_MAX)
    if (click.issuedCookieId !== null) this.#sessions.set(click.issuedCookieId, click)
    if (!evidence) {
      for (const st of [net, blk]) {
        const recent = (st.recent ??= [])
        pruneClicks(recent, now - o.burstWindowMs)
        recent.push(click)
        if (recent.length > PER_NETWORK_MAX) recent.splice(0, recent.length - PER_NETWORK_MAX)
      }
    }
    this.#tracked.push(click)
    if (this.#tracked.length - this.#trackedHead > o.maxTracked) this.#release(this.#tracked[this.#trackedHead++]!)
    return { reason: click.reason, click, reclassified: reclassified ?? NONE }
  }

  /** The remembered request whose response set this cookie moments ago on the same block, if any. */
  #sessionOf(cookieId: string, block: string, now: number): TrackedClick | null {
    const click = this.#sessions.get(cookieId)
    if (click === undefined || click.released || click.block !== block || now - click.ts > this.#o.burstWindowMs) return null
    return click
  }

  /** A candidate's browser came back with the cookie its response set: it was a person, not a pre-check. */
  #cleared(cookieId: string): void {
    const click = this.#issued.get(cookieId)
    if (click === undefined) return
    this.#issued.delete(cookieId)
    for (const st of [this.#networks.peek(click.network), this.#blocks.peek(click.block)]) {
      if (st?.candidates) st.candidates = st.candidates.filter((c) => c !== click)
    }
  }

  #state(level: Level, id: string, now: number): NetworkState {
    const map = level === 'block' ? this.#blocks : this.#networks
    let st = map.get(id)
    if (st === undefined) {
      st = { level, id, at: now, seen: 0, human: 0, mobile: 0, flaggedAt: -Infinity, candidates: null, recent: null }
      map.set(id, st)
    } else {
      decay(st, now, this.#o)
    }
    return st
  }

  #retainMs(): number {
    return Math.max(this.#o.burstWindowMs, this.#o.timeOfClickMs)
  }

  #addCandidate(st: NetworkState, click: TrackedClick, now: number): void {
    const list = (st.candidates ??= [])
    // Pairs older than the counters' half-life no longer add up (they are compared with the decayed request count).
    while (list.length > 0 && (now - list[0]!.ts >= this.#o.halfLifeMs || list[0]!.released)) list.shift()
    if (list.includes(click)) return
    list.push(click)
    if (list.length > CANDIDATES_PER_NETWORK) list.shift()
    if (click.candidate) return
    click.candidate = true
    this.#candidates.push(click)
    if (click.issuedCookieId !== null) this.#issued.set(click.issuedCookieId, click)
    if (this.#candidates.length - this.#candidatesHead > this.#o.maxCandidates) {
      const old = this.#candidates[this.#candidatesHead++]!
      old.candidate = false
      old.released = true
      if (old.issuedCookieId !== null) this.#issued.delete(old.issuedCookieId)
    }
    this.#compact()
  }

  /** Lets go of clicks past the recent window (candidates stay, in their own bounded list). */
  #forget(now: number): void {
    const horizon = now - this.#retainMs()
    while (this.#trackedHead < this.#tracked.length && this.#tracked[this.#trackedHead]!.ts < horizon) {
      this.#release(this.#tracked[this.#trackedHead++]!)
    }
    this.#compact()
  }

  /**
   * A click leaves the recent window: out of its link's and its networks' lists (it is the
   * oldest there, as here, so this is a shift), and no longer reclassifiable unless it is a
   * time-of-click candidate. This is what keeps those lists within maxTracked in total.
   */
  #release(click: TrackedClick): void {
    const window = this.#links.peek(click.linkId)
    if (window !== undefined && window[0] === click) window.shift()
    for (const st of [this.#networks.peek(click.network), this.#blocks.peek(click.block)]) {
      if (st?.recent && st.recent[0] === click) st.recent.shift()
    }
    if (click.issuedCookieId !== null && this.#sessions.get(click.issuedCookieId) === click) this.#sessions.delete(click.issuedCookieId)
    if (!click.candidate) click.released = true
  }

  #compact(): void {
    if (this.#trackedHead > 1024 && this.#trackedHead * 2 > this.#tracked.length) {
      this.#tracked = this.#tracked.slice(this.#trackedHead)
      this.#trackedHead = 0
    }
    if (this.#candidatesHead > 1024 && this.#candidatesHead * 2 > this.#candidates.length) {
      this.#candidates = this.#candidates.slice(this.#candidatesHead)
      this.#candidatesHead = 0
    }
  }
}

