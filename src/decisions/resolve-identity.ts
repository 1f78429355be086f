import type { FingerprintEntity } from '../identity/fingerprint-entity.js'
import type { IdentityDecision, IdentityEngine } from '../identity/identity-engine.js'
import type { IdentitySignals } from '../identity/identity-signals.js'
import type { StateEdge } from '../identity/identity-state.js'

export interface ResolvedIdentity {
  readonly decision: IdentityDecision
  /**
   * The storage context whose rows in enhanced_fingerprints and fingerprint_correlations
   * this click must (re)write: a new one, or a known one the engine placed anew (a cookie
   * seen from a new address and linked there). Null when the stored rows are still right.
   */
  readonly stored: FingerprintEntity | null
  /** The stored context's merge evidence, written with it (empty when nothing is stored). */
  readonly edges: readonly StateEdge[]
}

const NONE: readonly StateEdge[] = Object.freeze([])

/**
 * The engine's decision, plus what storage must learn from it. A known context that the
 * engine links again changes its confidence, evidence and clusters in memory only, and
 * when it is the younger side of the union it is absorbed without a merge row; writing
 * its rows keeps storage equal to memory, which is what a restart reloads
 * (identity-state-loader.ts) and what the stats count.
 *
 * Only a verified cookie can name a known context before the engine runs; a cookie-less
 * session key is derived inside the engine, and such contexts are not tracked here
 * (strict privacy mode, where they live for one session window anyway).
 */
export function resolveIdentity(engine: IdentityEngine, signals: IdentitySignals): ResolvedIdentity {
  const state = engine.state
  const known = signals.cookieId === null ? undefined : state.get(signals.cookieId)
  const before = known && {
    browser: state.find('browser', known.key),
    device: state.find('device', known.key),
    confidence: known.confidence,
    correlationType: known.correlationType,
    factors: known.factors,
  }
  const decision = engine.resolve(signals)
  if (decision.newEntity) return { decision, stored: decision.newEntity, edges: state.edgesOf(decision.newEntity.key) }
  // The engine refreshes the stored object in place, so `known` now holds the values after the click.
  const changed =
    known !== undefined &&
    before !== undefined &&
    decision.key === known.key &&
    (before.browser !== decision.browserId ||
      before.device !== decision.deviceId ||
      before.confidence !== known.confidence ||
      before.correlationType !== known.correlationType ||
      before.factors !== known.factors)
  return changed ? { decision, stored: known, edges: state.edgesOf(known.key) } : { decision, stored: null, edges: NONE }
}
