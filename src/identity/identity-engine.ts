import { hash } from 'node:crypto'
import { compatibleDevice, CORRELATION_RULES, crowdPenalty, MAX_CROWD_PENALTY, REOPEN_MS, specificModel, type CorrelationRule, type Evidence } from './correlation-rules.js'
import type { ClusterLevel, CorrelationType, FingerprintEntity } from './fingerprint-entity.js'
import { computeFingerprints, FINGERPRINT_VERSION, type Fingerprints } from './fingerprints.js'
import { flatString } from './flat-string.js'
import { stabilise } from '../signals/geo/geo-resolver.js'
import type { GeoResult } from '../signals/geo/geo-result.js'
import type { IdentitySignals } from './identity-signals.js'
import type { IdentityState } from './identity-state.js'

/** Seed 000's tiers: where the click's identity came from. */
export type IdentitySource = 'request_cache' | 'client_header' | 'cookie' | 'server_generated'

export interface ClusterMerge {
  readonly level: ClusterLevel
  readonly absorbed: string
  readonly into: string
}

export interface IdentityDecision {
  /** The storage context (cookie id, or session key when no cookie may be set). */
  readonly key: string
  /** Browser install and device, as clusters stand after this click. */
  readonly browserId: string
  readonly deviceId: string
  readonly confidence: number
  readonly source: IdentitySource
  readonly correlationType: CorrelationType | null
  readonly factors: readonly string[]
  readonly fingerprints: Fingerprints
  /** The geo the click is attributed to, after the per-device stability rule. */
  readonly geo: GeoResult | null
  readonly fingerprintVersion: number
  readonly browserUnique: boolean
  readonly deviceUnique: boolean
  /** Set when the key is new: the row to store in enhanced_fingerprints / fingerprint_correlations. */
  readonly newEntity: FingerprintEntity | null
  readonly merges: readonly ClusterMerge[]
  /** Storage contexts whose clusters were rebuilt because evidence was withdrawn, with their new roots. */
  readonly reassigned: ReadonlyArray<{ key: string; browserRoot: string; deviceRoot: string }>
}

export interface IdentityEngineOptions {
  readonly state: IdentityState
  readonly sessionWindowMs: number
  readonly minConfidence: number
  readonly rules?: readonly CorrelationRule[]
}

const DAY = 86_400_000
/** Most recent candidates looked at per index: older ones carry decayed evidence anyway. */
const MAX_CANDIDATES = 32

const MAX_ADDRESSES = 6
/**
 * A signed cookie names its browser: a context the engine never linked to another is its
 * own device as surely as anything here is known (the accuracy benchmark measures 99.2–99.9 %
 * of such clicks on the right device). A linked one is only as sure as the link.
 */
const COOKIE_CONFIDENCE = 99

/** A new context's evidence until it is linked: one shared empty array rather than one each (~32 bytes a context). */
const NO_FACTORS: readonly string[] = Object.freeze([])

/**
 * Called before the entity takes the click's address and time. A context seen at one
 * address only keeps no list (it reads as [[ipHash, lastSeen]]: fingerprint-entity.ts);
 * the list appears with its second address.
 */
function rememberAddress(entity: FingerprintEntity, ipHash: string, ts: number): void {
  if (entity.addresses === undefined) {
    if (entity.ipHash !== ipHash) entity.addresses = [[ipHash, ts], [entity.ipHash, entity.lastSeen]]
    return
  }
  const list = entity.addresses
  const i = list.findIndex(([ip]) => ip === ipHash)
  if (i !== -1) list.splice(i, 1)
  list.unshift([ipHash, ts])
  if (list.length > MAX_ADDRESSES) list.length = MAX_ADDRESSES
}

/**
 * Attributes a human click to a browser install and a physical device (seeds 002, 004).
 * Pure apart from the state it is given: the HTTP server, replay and tests run it alike.
 */
export class IdentityEngine {
  readonly #state: IdentityState
  readonly #sessionWindowMs: number
  readonly #minConfidence: number
  readonly #rules: readonly CorrelationRule[]

  constructor(options: IdentityEngineOptions) {
    this.#state = options.state
    this.#sessionWindowMs = options.sessionWindowMs
    this.#minConfidence = options.minConfidence
    this.#rules = options.rules ?? CORRELATION_RULES
  }

  get state(): IdentityState {
    return this.#state
  }

  resolve(observed: IdentitySignals): IdentityDecision {
    const state = this.#state
    const { key, source } = this.#keyOf(observed)
    let entity = state.get(key)
    // One device, one place: a known context keeps its geo unless stronger evidence disagrees.
    const geo = entity ? stabilise(entity.geo, observed.geo, { previousAgeMs: observed.ts - entity.geoSince }) : observed.geo
    const signals = geo === observed.geo ? observed : { ...observed, geo }
    const fingerprints = computeFingerprints(signals, this.#sessionWindowMs)
    const merges: ClusterMerge[] = []
    let newEntity: FingerprintEntity | null = null

    if (!entity) {
      entity = {
        // The strings it keeps as copies of their own (flat-string.ts): the click's are views into longer ones.
        key: flatString(key), firstSeen: signals.ts, lastSeen: signals.ts,
        deviceHash: fingerprints.deviceStableHash, browserHash: fingerprints.browserComponent, primaryHash: fingerprints.primaryFingerprint, sessionHash: flatString(fingerprints.sessionHash),
        sdkDevice: signals.sdkDevice, sdkBrowser: signals.sdkBrowser,
        browserName: signals.ua.browser.name, osName: signals.ua.os.name, deviceType: signals.ua.device.type,
        language: signals.language, model: specificModel(signals.ua.device.model),
        ipHash: flatString(signals.ipHash), prefixHash: flatString(signals.prefixHash),
        confidence: signals.sdkDevice ? 75 : 60, correlationType: null, factors: NO_FACTORS, linkedFrom: null,
        geo, geoSince: signals.ts, addresses: undefined,
      }
      this.#link(entity, signals, fingerprints, merges)
      state.put(entity)
      newEntity = entity
    } else {
      const moved = entity.ipHash !== signals.ipHash
      // What it keeps changes only when the click brings another value: copied then (flat-string.ts), kept as it is otherwise.
      const ipHash = moved ? flatString(signals.ipHash) : entity.ipHash
      rememberAddress(entity, ipHash, signals.ts)
      entity.lastSeen = signals.ts
      entity.ipHash = ipHash
      if (entity.prefixHash !== signals.prefixHash) entity.prefixHash = flatString(signals.prefixHash)
      if (entity.sessionHash !== fingerprints.sessionHash) entity.sessionHash = flatString(fingerprints.sessionHash)
      entity.language = signals.language
      entity.model = specificModel(signals.ua.device.model)
      if (geo !== entity.geo) {
        entity.geo = geo
        entity.geoSince = signals.ts
      }
      // A known storage context still alone in its device cluster is worth another look from a new address.
      if (moved && entity.linkedFrom !== signals.ipHash && state.clusterSize('device', key) === 1) this.#link(entity, signals, fingerprints, merges)
      state.put(entity)
    }

    const reassigned = state.takeWithdrawn()
    const browserId = state.find('browser', key)
    const deviceId = state.find('device', key)
    const browserUnique = !state.hasClicked('browser', browserId, signals.linkId)
    const deviceUnique = !state.hasClicked('device', deviceId, signals.linkId)
    state.markClicked('browser', browserId, signals.linkId)
    state.markClicked('device', deviceId, signals.linkId)
    return {
      key, browserId, deviceId, source,
      // A context alone in its device cluster — never linked, or its link withdrawn since — is only as sure as its cookie.
      confidence: source === 'cookie' && (entity.correlationType === null || state.clusterSize('device', key) === 1) ? COOKIE_CONFIDENCE : entity.confidence,
      correlationType: entity.correlationType,
      factors: entity.factors,
      fingerprints,
      geo,
      fingerprintVersion: FINGERPRINT_VERSION,
      browserUnique, deviceUnique, newEntity, merges, reassigned,
    }
  }

  #keyOf(s: IdentitySignals): { key: string; source: IdentitySource } {
    if (s.cookieId) return { key: s.cookieId, source: 'cookie' }
    if (s.newCookieId) return { key: s.newCookieId, source: s.sdkDevice ? 'client_header' : 'server_generated' }
    // No cookie may be set (strict privacy, DNT, GPC): the browser on this network within
    // the UTC day stands in for the storage context — the span strict mode's salt rotates
    // on (docs/contracts.md, Privacy: daily, as cookieless analytics do), so one visitor is one visitor a
    // day and never followed into the next.
    const session = hash('sha256', [s.prefixHash, s.userAgent, s.language, s.accept, Math.floor(s.ts / DAY)].join('\u0001'), 'base64url')
    return { key: `s_${session.slice(0, 20)}`, source: s.sdkDevice ? 'client_header' : 'request_cache' }
  }

  #link(entity: FingerprintEntity, signals: IdentitySignals, fingerprints: Fingerprints, merges: ClusterMerge[]): void {
    const state = this.#state
    // The entity's own copy of the address hash (flat-string.ts), equal to the click's.
    entity.linkedFrom = entity.ipHash
    // Counting stops where the crowd penalty is already at its maximum.
    const contextsOnAddress = state.contextsOnAddress(signals.ipHash, signals.ts - DAY, 16)
    const sdkAmbiguous = signals.sdkDevice ? state.sdkDeviceAmbiguous(signals.sdkDevice) : false
    const sdkBrowserAmbiguous = signals.sdkBrowser ? state.sdkBrowserAmbiguous(signals.sdkBrowser) : false
    const best: Record<ClusterLevel, { evidence: Evidence; candidate: FingerprintEntity } | null> = { browser: null, device: null }
    const seen = new Set<string>([entity.key])
    const clickedLink = (candidate: FingerprintEntity) => signals.ts - candidate.lastSeen <= REOPEN_MS && state.hasClicked('browser', state.find('browser', candidate.key), signals.linkId)
    // Who else of this kind of device clicked the link here just now: a reopen is only read into one of them.
    const clickers = new Set<string>()
    // Only where address evidence can still reach a merge (below), and only for a reopen's few minutes.
    const quiet = crowdPenalty(contextsOnAddress) < MAX_CROWD_PENALTY
    const onAddress = quiet ? state.onAddress(signals.ipHash, MAX_CANDIDATES) : []
    for (const candidate of onAddress) {
      if (signals.ts - candidate.lastSeen > REOPEN_MS) break
      if (candidate.key !== entity.key && candidate.ipHash === signals.ipHash && compatibleDevice(signals, candidate) && clickedLink(candidate)) clickers.add(state.find('device', candidate.key))
    }
    const reopenClusters = clickers.size
    const consider = (candidates: Iterable<FingerprintEntity>) => {
      for (const candidate of candidates) {
        if (seen.has(candidate.key)) continue
        seen.add(candidate.key)
        const candidateClickedLink = clickedLink(candidate)
        for (const rule of this.#rules) {
          const evidence = rule.evaluate({ signals, fingerprints, candidate, contextsOnAddress, sdkAmbiguous, sdkBrowserAmbiguous, candidateClickedLink, reopenClusters })
          if (evidence && evidence.score >= this.#minConfidence && (best[evidence.level]?.evidence.score ?? -1) < evidence.score) best[evidence.level] = { evidence, candidate }
        }
      }
    }
    if (signals.sdkBrowser) consider(state.withSdkBrowser(signals.sdkBrowser, MAX_CANDIDATES))
    if (signals.sdkDevice) consider(state.withSdkDevice(signals.sdkDevice, MAX_CANDIDATES))
    // On a crowded address no address evidence can reach a merge: skip scanning it (offices, carrier NAT, load tests).
    if (quiet) {
      consider(onAddress)
      consider(state.onPrefix(signals.prefixHash, MAX_CANDIDATES))
    }

    // Browser-level evidence implies the device; device-level evidence alone joins only the device.
    const chosen = best.browser ?? best.device
    if (!chosen) return
    const levels: ClusterLevel[] = best.browser ? ['browser', 'device'] : ['device']
    const provisionalOn = chosen.evidence.provisional ? (signals[chosen.evidence.provisional] ?? undefined) : undefined
    for (const level of levels) {
      const merged = state.union(level, entity.key, chosen.candidate.key, provisionalOn)
      // A storage context seen for the first time owns no stored rows yet: its own row is written with the surviving root.
      if (merged && merged[0] !== entity.key) merges.push({ level, absorbed: merged[0], into: merged[1] })
    }
    entity.confidence = Math.round(chosen.evidence.score)
    entity.correlationType = chosen.evidence.exact ? 'exact' : 'partial'
    entity.factors = [chosen.evidence.factor, `level:${chosen.evidence.level}`]
  }

}
