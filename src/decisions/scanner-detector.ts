/**
 * Email security scanners and time-of-click checks, told apart from people by how their
 * networks behave rather than by what one request says.
 *
 * What these agents do (the evidence this module models):
 * - Secure email gateways fetch every link of every delivered message, for every
 *   recipient, within seconds to minutes of delivery, before anyone has read it:
 *   Microsoft Defender for Office 365 Safe Links ("Safe Links in Microsoft Defender for
 *   Office 365", Microsoft Learn: URLs are scanned on delivery and again at the time of
 *   click), Proofpoint URL Defense (links rewritten to urldefense.com and sandboxed),
 *   Mimecast URL Protect and Barracuda Link Protection. They present ordinary desktop
 *   browser user agents (a Chrome whose version varies request to request, headless Chrome,
 *   or none), often HEAD first (caught earlier, by the bot detector), and come from the
 *   vendor's networks, from many of its addresses — email marketers see "clicks" from them
 *   seconds after every send (Litmus, "Bot clicks and email security scanners", 2022;
 *   Twilio SendGrid, "Why am I seeing clicks from security scanners?"; Act-On, "Identifying
 *   False Positives in Email Clicks"). Their sandboxes are browsers: within one visit they
 *   keep the cookie they were given and run the page's script (Safe Links follows
 *   client-side redirects: outline #9227; next-auth #1840), and are reset after it.
 * - Time-of-click checks: when a recipient clicks a rewritten link, the gateway fetches the
 *   target first and only then redirects the browser (Safe Links; Mimecast sandboxes "each
 *   and every click"), so the service sees a fetch from the vendor's network a second or two
 *   before the person's own request.
 *
 * "Network" is read at two sizes: the /24 (IPv4) or /64 (IPv6) prefix the identity engine
 * keys on, and the block around it, /16 or /48 — a scanning farm spreads its workers over
 * an operator's allocation, so one prefix may see a single fetch of a burst its block sees
 * whole. A block must show twice the burst, from two prefixes or more, to count.
 *
 * The rules, each needing behaviour or the vendor's own address, never one header:
 * 0. **The vendors' farms** — a request from a mail-security vendor's published ranges
 *    (mail-security-ranges.ts) is the gateway: no person browses from them. This catches
 *    the single fetch a small company's gateway makes, which no burst shows.
 * 1. **Burst** — `burstMin` clients for one link from one network within `burstWindowMs`,
 *    none carrying human evidence, from a network that has never shown people in any
 *    meaningful share. A gateway scanning N mailboxes does this; people behind an office
 *    NAT do it too, but their network carries returning browsers that kept the cookie (or
 *    ran the SDK) and phones, and they leave by one or two addresses where a farm fetches
 *    from many: a burst with a phone in it, or with fewer addresses than a farm spreads
 *    over (`BurstCount`), is people. Human evidence is a cookie from an earlier visit, or
 *    the SDK: a cookie issued moments ago on the same network is the same browser session
 *    coming back — a sandbox does that too — so it is neither evidence nor another client,
 *    and it shares the verdict of the request it was issued to.
 *    The burst is recognised at its `burstMin`-th client: the earlier requests are
 *    reclassified, together with the network's other cookieless requests of the window
 *    (a newsletter has several links, all fetched).
 * 2. **Network reputation** — a network caught bursting stays known as a scanner network
 *    (its reputation refreshed while it keeps behaving so, for `reputationMs`): its
 *    cookieless requests are scanners from the first one — the next newsletter's scan and
 *    every time-of-click check. A network that starts showing people loses it.
 * 3. **Time of click** — a cookieless request followed within `timeOfClickMs` by a request
 *    for the same link from another network is a candidate pre-check. A network whose
 *    requests are mostly such pre-checks (`checkerShare`, at least `timeOfClickConfirm` of
 *    them within `halfLifeMs`) and that shows no human evidence is a time-of-click checker:
 *    its candidates are reclassified and it is known from then on. One coincidence proves
 *    nothing, nor do a few on a busy network: people do click one popular link within
 *    seconds of each other, from a carrier's shared addresses too. So a pair on a link busy
 *    enough for a coincidence to be likely is no evidence, a pair within one block is none
 *    (the checker and the person it protects are on unrelated networks), and a candidate
 *    whose browser comes back with the cookie its response set (later, or from another
 *    network: not its own session's repeat) was a person.
 *
 * What it does not judge: requests under strict privacy (no cookie is read, so there is no
 * evidence either way), requests from non-public addresses (a reverse proxy that is not
 * in TRUST_PROXY, or a LAN: the "network" would be everybody), and requests the bot
 * detector already flagged.
 *
 * Time comes from the requests themselves (the redirect's clock, or a replayed event's
 * timestamp), so the same code replays history. State is bounded: at most `maxLinks`
 * link windows, `maxNetworks` prefix and as many block records, and `maxTracked` recent
 * clicks (plus `maxCandidates` time-of-click candidates), whatever
 * the traffic; counters decay with `halfLifeMs`. It is per process: instances behind one
 * load balancer each see their share of a burst (a shared implementation would key the
 * same records in Redis).
 */
import { isMailSecurityAddress } from './mail-security-ranges.js'

export type ScannerReason = 'scanner_burst' | 'scanner_network' | 'time_of_click'

export interface ScannerRequest {
  /** Epoch ms of the request. */
  readonly ts: number
  readonly linkId: number
  /** Keyed hash of the client's network prefix (/24, /64). */
  readonly network: string
  /** Keyed hash of the client address. */
  readonly address: string
  /** The client address, to tell public from private and to find its block; never stored. */
  readonly clientIp: string
  readonly method: string
  readonly userAgent: string | null
  /** The operating system the user agent names (the UA parser's), if any. */
  readonly os?: string | null
  /** A valid linkprint cookie or SDK headers: a client that keeps cookies or ran our script. */
  readonly humanEvidence: boolean
  /** The device cookie id the request presented (verified), if any. */
  readonly cookieId?: string | null
  /** The device cookie id the response sets (a browser without one gets one). */
  readonly issuedCookieId?: string | null
}

/**
 * A click the detector remembers, handed back when it is reclassified. Carries what the
 * caller needs to find the stored row (link, time, address hash, method, user agent) and
 * whether it was counted against the link's click limit.
 */
export interface TrackedClick {
  /** Unique per detector, increasing: the caller's handle (replay maps it to its event). */
  readonly seq: number
  readonly ts: number
  readonly linkId: number
  readonly network: string
  /** The /16 or /48 around the network (in memory only, like the IP hasher's cache). */
  readonly block: string
  readonly address: string
  readonly method: string
  readonly userAgent: string | null
  readonly os: string | null
  /** Human evidence as the detector counts it: a cookie from an earlier visit, or the SDK (a cookie issued moments ago on this network is not). */
  readonly humanEvidence: boolean
  /** The cookie id its response set: a later request presenting it is the same browser. */
  readonly issuedCookieId: string | null
  /** The earlier request of the same browser session (its cookie, issued moments ago on this network): not another client. */
  readonly repeatOf: TrackedClick | null
  /** Why it is a scanner; null while it is taken for a person. */
  reason: ScannerReason | null
  /** Counted as a human click against the link's limit (the pipeline sets and clears it). */
  counted: boolean
  /** Past the detector's memory: no longer reclassified. */
  released: boolean
  /** Kept past the recent window: a time-of-click candidate waiting for its network's next pair. */
  candidate: boolean
}

export interface ScannerDecision {
  /** Non-null: this request is a scanner. */
  readonly reason: ScannerReason | null
  /** The handle of this request (null when the detector did not judge it). */
  readonly click: TrackedClick | null
  /** Earlier clicks now known to be scanners; the caller persists the change. */
  readonly reclassified: readonly TrackedClick[]
}

export interface ScannerDetectorOptions {
  readonly burstWindowMs?: number
  readonly burstMin?: number
  readonly timeOfClickMs?: number
  readonly timeOfClickConfirm?: number
  readonly reputationMs?: number
  readonly halfLifeMs?: number
  /** A network whose requests carried human evidence at least this share of the time is people. */
  readonly humanShare?: number
  /** Share of a network's requests that must be pre-checks before it is taken for a time-of-click checker. */
  readonly checkerShare?: number
  readonly maxLinks?: number
  readonly maxNetworks?: number
  readonly maxTracked?: number
  readonly maxCandidates?: number
}

/** What the detector knows of one prefix or block. */
interface NetworkState {
  readonly level: Level
  /** The prefix hash, or the block's text. */
  readonly id: string
  /** When the counters were last decayed. */
  at: number
  /** Requests judged (decayed). */
  seen: number
  /** Of those, with human evidence (decayed). */
  human: number
  /** Of those, from a phone or tablet (decayed): an eyeball network's sign, never a gateway's. */
  mobile: number
  /** Last scanner activity; -Infinity when not a known scanner network. */
  flaggedAt: number
  /** Its requests that came just before another network's request for the same link, oldest first. */
  candidates: TrackedClick[] | null
  /** Its recent cookieless clicks, all links. */
  recent: TrackedClick[] | null
}

type Level = 'network' | 'block'

const SECOND = 1000
const MINUTE = 60 * SECOND
const DAY = 24 * 60 * MINUTE
const NONE: readonly TrackedClick[] = Object.freeze([])
const PER_LINK_MAX = 128
const PER_NETWORK_MAX = 64
const CANDIDATES_PER_NETWORK = 8
/** Operating systems of phones and tablets, as the UA parser names them (src/signals/user-agent.ts). */
const MOBILE_OSES: ReadonlySet<string> = new Set(['Android', 'iOS', 'HarmonyOS', 'KaiOS', 'Windows Phone'])
/** Distinct addresses a burst counts up to: this many in one burst window is a farm, whatever the requests (twice the default burstMin). */
const ADDRESSES_KEPT = 8

/**
 * Requests of a burst, and whether they look like a crowd of people rather than a farm:
 * - a phone or tablet among them. Gateways present desktop browsers — Chrome or Edge on
 *   Windows, headless Chrome on Linux (emdash #3298; opencollective #3656;
 *   laravel-passwordless-login #79) — and no documented one presents a phone; an office's, a
 *   household's or a carrier's people bring phones. (Desktop variety is no sign of people:
 *   a gateway's UA is its own choice, and it varies request to request, opencollective #3656.)
 * - few addresses for many requests. A farm's workers fetch from addresses all over its
 *   range, one or two requests each (Safe Links from 104.47.11.62, .126 and .254 in one day:
 *   SergeyMosin/Appointments #293; from three /24s of one /16: laravel-passwordless-login
 *   #79); an office leaves by one or two addresses for hundreds of people (its NAT keeps each
 *   host on one address, RFC 4787 "paired" pooling), a home by one.
 */
class BurstCount {
  n = 1
  /** A phone or tablet was among the requests. */
  mobile = false
  /** Distinct addresses seen, up to ADDRESSES_KEPT. */
  addresses = 0
  readonly #seen: string[] = []

  constructor(os: string | null, address: string) {
    this.#see(os, address)
  }

  add(os: string | null, address: string): void {
    this.n++
    this.#see(os, address)
  }

  /**
   * A farm's spread: more addresses than an office's NAT has (three or more), and at most one
   * request in four from an address another request of the burst came from — or more
   * distinct addresses than any NAT shows in one burst window.
   */
  spread(): boolean {
    return this.addresses >= ADDRESSES_KEPT || (this.addresses >= 3 && 4 * this.addresses >= 3 * this.n)
  }

  #see(os: string | null, address: string): void {
    if (this.addresses < ADDRESSES_KEPT && !this.#seen.includes(address)) {
      this.#seen.push(address)
      this.addresses++
    }
    if (os !== null && MOBILE_OSES.has(os)) this.mobile = true
  }
}

export const SCANNER_DEFAULTS = {
  /** Gateways fetch within seconds to a few minutes of delivery (Litmus 2022; SendGrid). */
  burstWindowMs: 2 * MINUTE,
  /** Four mailboxes of one organisation scanned: the smallest burst believed (a block needs twice as many). */
  burstMin: 4,
  /** Safe Links checks the target while the user waits, "a second or two" before the browser's own request. */
  timeOfClickMs: 3 * SECOND,
  /** Two coincidences happen on a small network; three pre-checks that are most of its traffic do not. */
  timeOfClickConfirm: 3,
  /** Vendors scan from the same networks for months; a month without a sign lets go. */
  reputationMs: 30 * DAY,
  halfLifeMs: 7 * DAY,
  humanShare: 0.05,
  checkerShare: 0.5,
  maxLinks: 20_000,
  maxNetworks: 50_000,
  maxTracked: 65_536,
  maxCandidates: 4_096,
} as const

export class ScannerDetector {
  readonly #o: Required<ScannerDetectorOptions>
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

  constructor(options: ScannerDetectorOptions = {}) {
    this.#o = { ...SCANNER_DEFAULTS, ...options }
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
    const mobile = req.os != null && MOBILE_OSES.has(req.os)
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
      prune(window, now - this.#retainMs())
    }

    const click: TrackedClick = {
      seq: ++this.#seq, ts: now, linkId: req.linkId, network: req.network, block, address: req.address, method: req.method,
      userAgent: req.userAgent, os: req.os ?? null, humanEvidence: evidence, issuedCookieId: req.issuedCookieId ?? null, repeatOf: origin,
      reason: null, counted: false, released: false, candidate: false,
    }
    let reclassified: TrackedClick[] | null = null
    const netHuman = this.#humanLike(net)
    if (req.cookieId && this.#issued.size > 0 && origin === null) this.#cleared(req.cookieId)

    if (isMailSecurityAddress(req.clientIp)) {
      // A mail-security vendor's own farm (mail-security-ranges.ts): every request from it is the gateway.
      click.reason = 'scanner_network'
      net.flaggedAt = now
    } else if (origin !== null && origin.reason !== null) {
      // The session of a request already known for a scanner's.
      click.reason = origin.reason
    } else if (evidence) {
      // A browser that kept our cookie or ran our script is a person; enough of them clear a network's name.
      if (net.flaggedAt !== -Infinity && netHuman) net.flaggedAt = -Infinity
      if (blk.flaggedAt !== -Infinity && this.#humanLike(blk)) blk.flaggedAt = -Infinity
    } else if (!netHuman) {
      const known = this.#flagged(net, now) ? net : this.#flagged(blk, now) && !this.#humanLike(blk) ? blk : null
      if (known) {
        click.reason = 'scanner_network'
        known.flaggedAt = now
      } else if (origin === null) {
        // A burst: the prefix alone, or its block from two prefixes or more with twice the fetches.
        // One pass over the link's window counts both (this is the hot part of a busy link); a session's
        // repeats are not other clients.
        const prefix = new BurstCount(click.os, click.address)
        const wider = new BurstCount(click.os, click.address)
        let otherPrefix = false
        for (const c of window) {
          if (c.humanEvidence || c.repeatOf !== null || c.block !== block || now - c.ts > o.burstWindowMs) continue
          wider.add(c.os, c.address)
          if (c.network === req.network) prefix.add(c.os, c.address)
          else otherPrefix = true
        }
        for (const st of [net, blk]) {
          const count = st === net ? prefix : wider
          const min = st === net ? o.burstMin : 2 * o.burstMin
          if (count.n < min || (st === blk && (!otherPrefix || this.#humanLike(blk)))) continue
          // A gateway presents desktop browsers from addresses all over its range; a household's or an
          // office's people bring phones, and leave through one or two addresses.
          if (count.mobile || !count.spread()) continue
          click.reason = 'scanner_burst'
          st.flaggedAt = now
          reclassified = []
          for (const c of window) if (this.#inBurst(c, st, now)) flag(c, 'scanner_burst', reclassified)
          // The same message's other links, fetched from the same place in the same minutes.
          for (const c of st.recent ?? NONE) if (now - c.ts <= o.burstWindowMs) flag(c, 'scanner_burst', reclassified)
          break
        }
      }
    }

    // Time of click: did another network fetch this link a moment before this request?
    if (click.reason === null) {
      for (let i = window.length - 1; i >= 0; i--) {
        const c = window[i]!
        if (now - c.ts > o.timeOfClickMs) break
        // A checker and the person it protects are on unrelated networks: never one block (the same ISP, the same site).
        if (c.block === block || c.address === req.address || c.humanEvidence || c.repeatOf !== null || c.reason !== null || c.released) continue
        // The browser that got its cookie a moment ago, now on another network (Wi-Fi to mobile): one person.
        if (c.issuedCookieId !== null && c.issuedCookieId === req.cookieId) break
        const first = this.#networks.peek(c.network)
        if (first === undefined || this.#humanLike(first)) continue
        // On a busy link another network's click follows any request within seconds by chance: no evidence there.
        if (this.#busy(window, c, now)) break
        for (const st of [first, this.#blocks.peek(c.block)]) {
          if (st === undefined || (st.level === 'block' && this.#humanLike(st))) continue
          this.#decay(st, now)
          this.#addCandidate(st, c, now)
          // A checker fetches only when someone clicks: most of what its network sends is such a pre-check.
          // An eyeball network (a carrier's NAT) pairs with another network's click by coincidence, now and then.
          const pairs = st.candidates?.length ?? 0
          if (pairs >= o.timeOfClickConfirm && pairs >= o.checkerShare * st.seen) {
            st.flaggedAt = now
            reclassified ??= []
            for (const k of st.candidates!) flag(k, 'time_of_click', reclassified)
            st.candidates = null
          }
        }
        break
      }
    }

    window.push(click)
    if (window.length > PER_LINK_MAX) window.splice(0, window.length - PER_LINK_MAX)
    if (click.issuedCookieId !== null) this.#sessions.set(click.issuedCookieId, click)
    if (!evidence) {
      for (const st of [net, blk]) {
        const recent = (st.recent ??= [])
        prune(recent, now - o.burstWindowMs)
        recent.push(click)
        if (recent.length > PER_NETWORK_MAX) recent.splice(0, recent.length - PER_NETWORK_MAX)
      }
    }
    this.#tracked.push(click)
    if (this.#tracked.length - this.#trackedHead > o.maxTracked) this.#release(this.#tracked[this.#trackedHead++]!)
    return { reason: click.reason, click, reclassified: reclassified ?? NONE }
  }

  /**
   * More than a tenth of a coincidence expected: other places' requests for the link in the
   * last burst window, as a rate over the time-of-click window.
   */
  #busy(window: readonly TrackedClick[], pre: TrackedClick, now: number): boolean {
    let others = 0
    for (const c of window) if (now - c.ts <= this.#o.burstWindowMs && c !== pre && c.block !== pre.block) others++
    return (others * this.#o.timeOfClickMs) / this.#o.burstWindowMs > 0.1
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
      this.#decay(st, now)
    }
    return st
  }

  #inBurst(c: TrackedClick, st: NetworkState, now: number): boolean {
    if (c.humanEvidence || now - c.ts > this.#o.burstWindowMs) return false
    return st.level === 'network' ? c.network === st.id : c.block === st.id
  }

  #retainMs(): number {
    return Math.max(this.#o.burstWindowMs, this.#o.timeOfClickMs)
  }

  /**
   * People use this network: browsers that came back with our cookie or ran our script, or
   * phones (an office's Wi-Fi, a home, a carrier's NAT; a gateway's farm presents desktop
   * browsers only), in at least `humanShare` of its requests.
   */
  #humanLike(st: NetworkState): boolean {
    const people = st.human + st.mobile
    return people >= 1 && people >= this.#o.humanShare * st.seen
  }

  #flagged(st: NetworkState, now: number): boolean {
    return now - st.flaggedAt < this.#o.reputationMs
  }

  #decay(st: NetworkState, now: number): void {
    const dt = now - st.at
    if (dt <= 0) return
    const f = Math.pow(0.5, dt / this.#o.halfLifeMs)
    st.seen *= f
    st.human *= f
    st.mobile *= f
    st.at = now
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

function flag(click: TrackedClick, reason: ScannerReason, out: TrackedClick[]): void {
  if (click.reason !== null || click.released) return
  click.reason = reason
  out.push(click)
}

/** Removes entries older than `horizon` from the front of a time-ordered list (and released ones there). */
function prune(list: TrackedClick[], horizon: number): void {
  let drop = 0
  while (drop < list.length && (list[drop]!.ts < horizon || list[drop]!.released)) drop++
  if (drop > 0) list.splice(0, drop)
}

/**
 * The /16 (IPv4) or /48 (IPv6) around a public address, as text; null for addresses no
 * scanner reaches a public service from — loopback, RFC 1918, shared CGNAT space seen
 * directly (RFC 6598), link-local, unique-local — since seeing one means a proxy that is
 * not trusted (every visitor shares its address) or a LAN. Takes the canonical text from
 * the client-IP stage; anything else is null.
 */
export function blockOf(ip: string): string | null {
  if (ip.length === 0 || ip.length > 64) return null
  if (ip.includes(':')) {
    const lower = ip.toLowerCase()
    if (lower === '::1' || lower === '::' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower)) return null
    const groups = expandIpv6(lower)
    return groups === null ? null : `${groups[0]}:${groups[1]}:${groups[2]}::/48`
  }
  const parts = ip.split('.')
  if (parts.length !== 4) return null
  const a = Number(parts[0])
  const b = Number(parts[1])
  if (!Number.isInteger(a) || !Number.isInteger(b)) return null
  if (a === 10 || a === 127 || a === 0) return null
  if (a === 172 && b >= 16 && b <= 31) return null
  if (a === 192 && b === 168) return null
  if (a === 169 && b === 254) return null
  if (a === 100 && b >= 64 && b <= 127) return null
  return `${a}.${b}.0.0/16`
}

/** The first three groups of an IPv6 text (`::` may stand for zeros anywhere; a dotted tail is two groups). */
function expandIpv6(ip: string): string[] | null {
  const double = ip.indexOf('::')
  const split = (part: string) => (part === '' ? [] : part.split(':'))
  const head = split(double === -1 ? ip : ip.slice(0, double))
  const tail = double === -1 ? [] : split(ip.slice(double + 2))
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0)
  const missing = 8 - width(head) - width(tail)
  if (missing < 0 || (double === -1 && missing !== 0)) return null
  const groups = [...head, ...Array.from({ length: missing }, () => '0'), ...tail].slice(0, 3)
  return groups.every((g) => /^[0-9a-f]{1,4}$/.test(g)) ? groups.map((g) => g.replace(/^0+(?=.)/, '')) : null
}

/**
 * A bounded map that forgets what was not used for a while, in two generations: entries
 * live in `young`; when it is full, it becomes `old` and the previous old one is dropped
 * whole; a hit in `old` moves the entry back to `young`. At most `max` entries, O(1) per
 * operation with no per-entry bookkeeping (a Map used as an LRU, deleting its oldest key
 * at every insert, slows down as deleted slots pile up at its front; this never deletes).
 */
class Generations<K, V> {
  #young = new Map<K, V>()
  #old = new Map<K, V>()
  readonly #half: number

  constructor(max: number) {
    this.#half = Math.max(1, Math.floor(max / 2))
  }

  get size(): number {
    return this.#young.size + this.#old.size
  }

  get(key: K): V | undefined {
    const young = this.#young.get(key)
    if (young !== undefined) return young
    const old = this.#old.get(key)
    if (old !== undefined) this.set(key, old)
    return old
  }

  /** Each live value once (an entry brought back to the young generation is also still in the old one). */
  *values(): IterableIterator<V> {
    yield* this.#young.values()
    for (const [key, value] of this.#old) if (!this.#young.has(key)) yield value
  }

  /** The value without bringing it back to the young generation. */
  peek(key: K): V | undefined {
    return this.#young.get(key) ?? this.#old.get(key)
  }

  set(key: K, value: V): void {
    if (this.#young.size >= this.#half && !this.#young.has(key)) {
      this.#old = this.#young
      this.#young = new Map()
    }
    this.#young.set(key, value)
  }
}
