import type { ClusterLevel, FingerprintEntity } from './fingerprint-entity.js'
import type { Fingerprints } from './fingerprints.js'
import type { IdentitySignals } from './identity-signals.js'

/**
 * A score is a confidence: MIN_CONFIDENCE compares it, the stats average it, and it
 * should mean what it says. Each is the share of the clicks a rule's merges put on a
 * device that are that device's at the end (`npm run bench:explain`, "clicks of merged
 * contexts by the rule that placed them", pooled over the four profiles at SDK share 0.8
 * and 0, seed 42): reopen 93 %, SDK device hash on the same network 85 %, SDK device hash
 * from another network 76 %, SDK browser hash on the same network 66–80 % (few merges).
 */
const REOPEN_SCORE = 90
const SDK_DEVICE_SCORE = 85
const ROAMING_SCORE = 75
const SDK_BROWSER_SCORE = 80
const HOUR = 3_600_000
const DAY = 24 * HOUR

/** What a rule sees: the new observation and one candidate entity. */
export interface RuleInput {
  readonly signals: IdentitySignals
  readonly fingerprints: Fingerprints
  readonly candidate: FingerprintEntity
  /** Storage contexts seen on the observation's address in the last day. */
  readonly contextsOnAddress: number
  /** Whether the observation's SDK device hash is known to be carried by several devices. */
  readonly sdkAmbiguous: boolean
  /** Whether the observation's SDK browser hash is known to be carried by several devices. */
  readonly sdkBrowserAmbiguous: boolean
  /** Whether the candidate's browser cluster has clicked the observation's link (asked only of candidates seen within REOPEN_MS). */
  readonly candidateClickedLink: boolean
  /**
   * Device clusters of the observation's kind of device (compatibleDevice) that clicked its link from its
   * address within REOPEN_MS: 1 when the candidate's is the only one.
   */
  readonly reopenClusters: number
}

export interface Evidence {
  readonly level: ClusterLevel
  readonly factor: string
  readonly score: number
  readonly exact: boolean
  /** Rests on one SDK hash alone (the observation's device or browser hash): withdrawn if that hash turns out to be shared. */
  readonly provisional?: 'sdkDevice' | 'sdkBrowser'
}

export interface CorrelationRule {
  readonly name: string
  evaluate(input: RuleInput): Evidence | null
}

/**
 * An address carries evidence only while few storage contexts use it: a home router
 * has a handful, an office or a carrier-grade NAT hundreds (decided from what the
 * engine has seen there, not from a list of networks).
 */
export function crowdPenalty(contextsOnAddress: number): number {
  return contextsOnAddress <= 6 ? 0 : Math.min(MAX_CROWD_PENALTY, 8 * (contextsOnAddress - 6))
}

/** Enough to put every address-based rule below any sensible MIN_CONFIDENCE. */
export const MAX_CROWD_PENALTY = 60

/** Address evidence fades as addresses are reassigned: full within an hour, half after a day. */
export function addressDecay(ageMs: number): number {
  return ageMs <= HOUR ? 1 : Math.pow(0.5, (ageMs - HOUR) / DAY)
}

/**
 * The same network, recently: the evidence every rule needs besides the fingerprint,
 * because fingerprints are far from unique (two phones of one model with default
 * settings hash alike). Any of the candidate's last addresses counts, decayed by how
 * long ago it was there; 0 when it has never been where the observation is.
 */
function networkScore(input: RuleInput): number {
  const { signals: s, candidate: c } = input
  let best = c.prefixHash === s.prefixHash ? 0.85 * addressDecay(Math.max(0, s.ts - c.lastSeen)) : 0
  const addresses = c.addresses
  // No list: the one address it has been seen at (fingerprint-entity.ts), read without building one.
  if (addresses === undefined) return c.ipHash === s.ipHash ? Math.max(best, addressDecay(Math.max(0, s.ts - c.lastSeen))) : best
  for (const [ipHash, seen] of addresses) {
    if (ipHash === s.ipHash) best = Math.max(best, addressDecay(Math.max(0, s.ts - seen)))
  }
  return best
}

/**
 * "Open in browser": an in-app view (Instagram, Facebook, Gmail) hands the link to the
 * default browser, or the user pastes it into another browser, within seconds to minutes.
 */
export const REOPEN_MS = 5 * 60_000
/** A quiet address only: a home router, not an office or a carrier NAT, where strangers on one OS click one link at once. */
const REOPEN_MAX_CONTEXTS = 3

/** Models that name a kind of device shared by millions ("iPhone", Chrome's reduced Android "K"). */
const GENERIC_MODELS = new Set(['iphone', 'ipad', 'macintosh', 'k', 'mac', 'pc'])

/** The device model the user agent names specifically (an in-app view's "SM-A155F"), or null (Chrome's reduced "K", "iPhone"). */
export function specificModel(model: string | null): string | null {
  return model && !GENERIC_MODELS.has(model.toLowerCase()) ? model : null
}

/**
 * Could the observation come from the candidate's device? The same OS and kind of device,
 * the same OS language (every browser of a device follows it; family members mostly share
 * it too, so it only rules out), no two different specific models, and no two different
 * SDK device hashes (they agree across a device's browsers for ~91 % of installs, so a
 * difference mostly means another device).
 */
export function compatibleDevice(s: IdentitySignals, c: FingerprintEntity): boolean {
  if (c.osName !== s.ua.os.name || c.deviceType !== s.ua.device.type) return false
  if (c.language && s.language && c.language !== s.language) return false
  const model = specificModel(s.ua.device.model)
  if (model && c.model && model !== c.model) return false
  return !(s.sdkDevice && c.sdkDevice && s.sdkDevice !== c.sdkDevice)
}

/**
 * The rules. Scores are 0–100 confidences; a merge needs MIN_CONFIDENCE. Browser-level
 * evidence says "another storage context of the same browser install" (a private window,
 * cleared cookies); device-level evidence "another browser of the same device".
 */
export const CORRELATION_RULES: readonly CorrelationRule[] = [
  {
    // The SDK's browser hash (canvas, WebGL, the user agent… over the device's signals) on
    // the same network: the same install in another storage context — cleared cookies,
    // Chrome's incognito window (it draws exactly as the normal one). Judged on the browser
    // hash's own use: the device hash inside it names a kind of device, so its ambiguity
    // says nothing about this one. Identical units (an office's image, twin phones) show one
    // browser hash too; the state withdraws the merge once they are seen apart or in numbers.
    name: 'sdk_browser',
    evaluate(input) {
      const { signals: s, candidate: c } = input
      if (!s.sdkBrowser || input.sdkBrowserAmbiguous || c.sdkBrowser !== s.sdkBrowser || c.sdkDevice !== s.sdkDevice ) return null
      const net = networkScore(input)
      if (net === 0) return null
      return { level: 'browser', factor: 'sdk_browser', score: SDK_BROWSER_SCORE * (0.6 + 0.4 * net) - crowdPenalty(input.contextsOnAddress), exact: net >= 0.85, provisional: 'sdkBrowser' }
    },
  },
  {
    // The SDK's device hash from another browser: the same device.
    name: 'sdk_device',
    evaluate(input) {
      const { signals: s, candidate: c } = input
      if (!s.sdkDevice || input.sdkAmbiguous || c.sdkDevice !== s.sdkDevice || c.osName !== s.ua.os.name || c.deviceType !== s.ua.device.type) return null
      const net = networkScore(input)
      if (net === 0) return null
      return { level: 'device', factor: 'sdk_device', score: SDK_DEVICE_SCORE * (0.6 + 0.4 * net) - crowdPenalty(input.contextsOnAddress), exact: net >= 0.85, provisional: 'sdkDevice' }
    },
  },
  {
    // The SDK's device hash from another network: half of all devices have a hash no
    // other device shares (Gómez-Boix et al. 2018); one not yet seen on two devices at
    // once is taken, with less confidence, to be the same device on the move.
    name: 'sdk_roaming',
    evaluate(input) {
      const { signals: s, candidate: c } = input
      if (!s.sdkDevice || input.sdkAmbiguous || c.sdkDevice !== s.sdkDevice || c.osName !== s.ua.os.name || c.deviceType !== s.ua.device.type) return null
      const sameBrowser = !!s.sdkBrowser && c.sdkBrowser === s.sdkBrowser
      return { level: sameBrowser ? 'browser' : 'device', factor: 'sdk_roaming', score: ROAMING_SCORE, exact: false, provisional: 'sdkDevice' }
    },
  },
  {
    // The same link from another browser of the same kind of device (compatibleDevice), on
    // the same quiet address, minutes after the candidate clicked it: the link reopened on
    // the same device. Server-side evidence only, so it holds for plain redirects. Only when
    // the candidate's is the one device of that kind that clicked the link here just now:
    // two people of one home (or colleagues on a small office line) who open one link within
    // minutes in different browsers are the exception it used to get wrong (the rule's merges
    // 84 % → 90 % right over the four profiles at both SDK shares, seed 42).
    name: 'reopen',
    evaluate(input) {
      const { signals: s, fingerprints: fp, candidate: c } = input
      if (!input.candidateClickedLink || c.ipHash !== s.ipHash || s.ts - c.lastSeen > REOPEN_MS || input.reopenClusters !== 1 || input.contextsOnAddress > REOPEN_MAX_CONTEXTS) return null
      if (c.browserHash === fp.browserComponent || !compatibleDevice(s, c)) return null
      return { level: 'device', factor: 'reopen', score: REOPEN_SCORE, exact: false }
    },
  },
  {
    // Server-side device signals from another browser on the same address: only when the
    // device model is specific enough to tell one household's devices apart.
    name: 'device_hash',
    evaluate(input) {
      const { signals: s, fingerprints: fp, candidate: c } = input
      const model = s.ua.device.model?.toLowerCase()
      if (!model || GENERIC_MODELS.has(model) || c.deviceHash !== fp.deviceStableHash || c.browserName === s.ua.browser.name) return null
      if (c.ipHash !== s.ipHash) return null
      return { level: 'device', factor: 'device_hash', score: 72 * addressDecay(s.ts - c.lastSeen) - crowdPenalty(input.contextsOnAddress), exact: false }
    },
  },
]
