import { isMailSecurityAddress } from '../mail-security-ranges.js'
import { BurstCount } from './burst-count.js'
import { decay, flagged, humanLike, type NetworkState } from './network-state.js'
import type { ScannerSettings } from './scanner-options.js'
import type { ScannerRequest } from './scanner-request.js'
import { flagClick, type ScannerReason, type TrackedClick } from './tracked-click.js'

/** One request as the rules see it, with what the detector remembers around it. */
export interface ScannerObservation {
  readonly req: ScannerRequest
  /** The request as it will be remembered (not yet in `window`). */
  readonly click: TrackedClick
  readonly now: number
  /** The /16 or /48 around the request's network. */
  readonly block: string
  /** Human evidence as counted: a cookie from an earlier visit, or the SDK (see scanner-detector.ts). */
  readonly evidence: boolean
  /** The remembered request whose response set this request's cookie moments ago on this block, if any. */
  readonly origin: TrackedClick | null
  readonly net: NetworkState
  readonly blk: NetworkState
  /** Whether the request's network showed people, read before this request's evidence cleared anything. */
  readonly netHuman: boolean
  /** The link's recent clicks, oldest first. */
  readonly window: readonly TrackedClick[]
}

/** What the rules may read and change of the detector's memory beyond the observation. */
export interface ScannerMemory {
  readonly settings: ScannerSettings
  /** The record of a prefix, or of a block, without refreshing it. */
  peek(level: NetworkState['level'], id: string): NetworkState | undefined
  /** Remembers a click as a time-of-click candidate of the network (bounded, outlives the recent window). */
  addCandidate(st: NetworkState, click: TrackedClick, now: number): void
}

/** A rule's finding: the request's reason (null when it is not judged a scanner by this rule) and earlier clicks now known to be scanners. */
export interface ScannerVerdict {
  readonly reason: ScannerReason | null
  readonly reclassified: readonly TrackedClick[]
}

export interface ScannerRule {
  readonly name: string
  /** Null when the rule does not apply. Rules may update the networks' reputation records they are shown. */
  judge(obs: ScannerObservation, memory: ScannerMemory): ScannerVerdict | null
}

const NONE: readonly TrackedClick[] = Object.freeze([])

/**
 * The rules, in order: the detector runs them until one names a reason. Each needs
 * behaviour or the vendor's own address, never one header (the sources: docs/scanner-detection.md
 * and each rule's comment).
 */
export const SCANNER_RULES: readonly ScannerRule[] = [
  {
    // The vendors' farms: a request from a mail-security vendor's published ranges
    // (mail-security-ranges.ts) is the gateway; no person browses from them. This catches
    // the single fetch a small company's gateway makes, which no burst shows.
    name: 'mail_security_farm',
    judge({ req, net, now }) {
      if (!isMailSecurityAddress(req.clientIp)) return null
      net.flaggedAt = now
      return { reason: 'scanner_network', reclassified: NONE }
    },
  },
  {
    // The session of a request already known for a scanner's: the sandbox kept the cookie it was given moments ago.
    name: 'scanner_session',
    judge({ origin }) {
      return origin !== null && origin.reason !== null ? { reason: origin.reason, reclassified: NONE } : null
    },
  },
  {
    // A browser that kept our cookie or ran our script is a person; enough of them clear a network's name.
    // Never a reason: the requests after it are judged on (a time-of-click pair needs no evidence of its own).
    name: 'people_clear_network',
    judge({ evidence, net, blk, netHuman }, { settings }) {
      if (!evidence) return null
      if (net.flaggedAt !== -Infinity && netHuman) net.flaggedAt = -Infinity
      if (blk.flaggedAt !== -Infinity && humanLike(blk, settings)) blk.flaggedAt = -Infinity
      return null
    },
  },
  {
    // Network reputation: a network caught bursting stays known as a scanner network (its
    // reputation refreshed while it keeps behaving so, for `reputationMs`): its cookieless
    // requests are scanners from the first one — the next newsletter's scan and every
    // time-of-click check. A network that starts showing people loses it.
    name: 'scanner_network',
    judge({ evidence, netHuman, net, blk, now }, { settings }) {
      if (evidence || netHuman) return null
      const known = flagged(net, now, settings) ? net : flagged(blk, now, settings) && !humanLike(blk, settings) ? blk : null
      if (known === null) return null
      known.flaggedAt = now
      return { reason: 'scanner_network', reclassified: NONE }
    },
  },
  {
    // Burst: `burstMin` clients for one link from one network within `burstWindowMs`, none
    // carrying human evidence, from a network that has never shown people in any meaningful
    // share — or its block from two prefixes or more with twice the fetches (a farm spreads
    // its workers over an operator's allocation). A gateway scanning N mailboxes does this;
    // people behind an office NAT do too, but a burst with a phone in it, or with fewer
    // addresses than a farm spreads over (BurstCount), is people. Recognised at its
    // `burstMin`-th client: the earlier requests are reclassified, with the network's other
    // cookieless requests of the window (a newsletter has several links, all fetched).
    name: 'scanner_burst',
    judge({ req, click, now, block, evidence, origin, net, blk, netHuman, window }, { settings: o }) {
      if (evidence || netHuman || origin !== null) return null
      // One pass over the link's window counts both (this is the hot part of a busy link); a session's repeats are not other clients.
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
        if (count.n < min || (st === blk && (!otherPrefix || humanLike(blk, o)))) continue
        // A gateway presents desktop browsers from addresses all over its range; a household's or an
        // office's people bring phones, and leave through one or two addresses.
        if (count.mobile || !count.spread()) continue
        st.flaggedAt = now
        const reclassified: TrackedClick[] = []
        for (const c of window) if (inBurst(c, st, now, o)) flagClick(c, 'scanner_burst', reclassified)
        // The same message's other links, fetched from the same place in the same minutes.
        for (const c of st.recent ?? NONE) if (now - c.ts <= o.burstWindowMs) flagClick(c, 'scanner_burst', reclassified)
        return { reason: 'scanner_burst', reclassified }
      }
      return null
    },
  },
  {
    // Time of click: a cookieless request followed within `timeOfClickMs` by a request for
    // the same link from another network is a candidate pre-check. A network whose requests
    // are mostly such pre-checks (`checkerShare`, at least `timeOfClickConfirm` of them
    // within `halfLifeMs`) and that shows no human evidence is a time-of-click checker: its
    // candidates are reclassified and it is known from then on. One coincidence proves
    // nothing, nor do a few on a busy network: people do click one popular link within
    // seconds of each other, from a carrier's shared addresses too. So a pair on a link busy
    // enough for a coincidence to be likely is no evidence, a pair within one block is none
    // (the checker and the person it protects are on unrelated networks), and a candidate
    // whose browser comes back with the cookie its response set was a person.
    name: 'time_of_click',
    judge({ req, now, block, window }, memory) {
      const o = memory.settings
      for (let i = window.length - 1; i >= 0; i--) {
        const c = window[i]!
        if (now - c.ts > o.timeOfClickMs) break
        // A checker and the person it protects are on unrelated networks: never one block (the same ISP, the same site).
        if (c.block === block || c.address === req.address || c.humanEvidence || c.repeatOf !== null || c.reason !== null || c.released) continue
        // The browser that got its cookie a moment ago, now on another network (Wi-Fi to mobile): one person.
        if (c.issuedCookieId !== null && c.issuedCookieId === req.cookieId) break
        const first = memory.peek('network', c.network)
        if (first === undefined || humanLike(first, o)) continue
        // On a busy link another network's click follows any request within seconds by chance: no evidence there.
        if (busy(window, c, now, o)) break
        let reclassified: TrackedClick[] | null = null
        for (const st of [first, memory.peek('block', c.block)]) {
          if (st === undefined || (st.level === 'block' && humanLike(st, o))) continue
          decay(st, now, o)
          memory.addCandidate(st, c, now)
          // A checker fetches only when someone clicks: most of what its network sends is such a pre-check.
          // An eyeball network (a carrier's NAT) pairs with another network's click by coincidence, now and then.
          const pairs = st.candidates?.length ?? 0
          if (pairs >= o.timeOfClickConfirm && pairs >= o.checkerShare * st.seen) {
            st.flaggedAt = now
            reclassified ??= []
            for (const k of st.candidates!) flagClick(k, 'time_of_click', reclassified)
            st.candidates = null
          }
        }
        return reclassified === null ? null : { reason: null, reclassified }
      }
      return null
    },
  },
]

function inBurst(c: TrackedClick, st: NetworkState, now: number, o: ScannerSettings): boolean {
  if (c.humanEvidence || now - c.ts > o.burstWindowMs) return false
  return st.level === 'network' ? c.network === st.id : c.block === st.id
}

/**
 * More than a tenth of a coincidence expected: other places' requests for the link in the
 * last burst window, as a rate over the time-of-click window.
 */
function busy(window: readonly TrackedClick[], pre: TrackedClick, now: number, o: ScannerSettings): boolean {
  let others = 0
  for (const c of window) if (now - c.ts <= o.burstWindowMs && c !== pre && c.block !== pre.block) others++
  return (others * o.timeOfClickMs) / o.burstWindowMs > 0.1
}
