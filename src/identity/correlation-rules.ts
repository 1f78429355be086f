import type { ClusterLevel, FingerprintEntity } from './fingerprint-entity.js'
import type { Fingerprints } from './fingerprints.js'
import type { IdentitySignals } from './identity-signals.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

/** What a rule sees: the new observation and one candidate entity. */
export interface RuleInput {
  readonly signals: IdentitySignals
  readonly fingerprints: Fingerprints
  readonly candidate: FingerprintEntity
  /** Distinct devices seen on the observation's address in the last day. */
  readonly devicesOnAddress: number
  /** Distinct device clusters already carrying the observation's SDK device hash. */
  readonly devicesWithSdkHash: number
  readonly sessionWindowMs: number
}

export interface Evidence {
  readonly level: ClusterLevel
  readonly factor: string
  readonly score: number
  readonly exact: boolean
}

export interface CorrelationRule {
  readonly name: string
  evaluate(input: RuleInput): Evidence | null
}

/**
 * An address carries evidence only while few devices use it: a home router has a
 * handful, an office or a carrier-grade NAT hundreds (decided from what the engine has
 * seen there, not from a list of networks).
 */
export function crowdPenalty(devicesOnAddress: number): number {
  return devicesOnAddress <= 3 ? 0 : Math.min(60, 10 * (devicesOnAddress - 3))
}

/** Address evidence fades as addresses are reassigned: full within an hour, half after a day. */
export function addressDecay(ageMs: number): number {
  return ageMs <= HOUR ? 1 : Math.pow(0.5, (ageMs - HOUR) / DAY)
}

function network(input: RuleInput): { same: 'address' | 'prefix' | null; age: number } {
  const { signals: s, candidate: c } = input
  const age = Math.max(0, s.ts - c.lastSeen)
  if (c.ipHash === s.ipHash) return { same: 'address', age }
  if (c.prefixHash === s.prefixHash) return { same: 'prefix', age }
  return { same: null, age }
}

/**
 * The rules, strongest first. Scores are 0–100 confidences; a merge needs MIN_CONFIDENCE.
 * Browser-level evidence says "another storage context of the same browser install"
 * (a private window, cleared cookies); device-level evidence "another browser of the same device".
 */
export const CORRELATION_RULES: readonly CorrelationRule[] = [
  {
    // The SDK's browser hash (canvas, WebGL, extensions…) in the same device hash: the same install.
    name: 'sdk_browser',
    evaluate(input) {
      const { signals: s, candidate: c } = input
      if (!s.sdkBrowser || c.sdkBrowser !== s.sdkBrowser || c.sdkDevice !== s.sdkDevice) return null
      const net = network(input)
      // Identical devices (one phone model in a family, one laptop image in an office) share both hashes:
      // then only the same address, recently, tells one install apart from its twin.
      const twins = input.devicesWithSdkHash >= 2
      if (twins && net.same !== 'address') return null
      let score = net.same === 'address' ? 92 : net.same === 'prefix' ? 88 : 80
      if (twins) score -= 25 + crowdPenalty(input.devicesOnAddress)
      return { level: 'browser', factor: 'sdk_browser', score: score * (net.same ? addressDecay(net.age) * 0.3 + 0.7 : 1), exact: !twins }
    },
  },
  {
    // The SDK's device hash from another browser: the same device, if not one of identical twins.
    name: 'sdk_device',
    evaluate(input) {
      const { signals: s, candidate: c } = input
      if (!s.sdkDevice || c.sdkDevice !== s.sdkDevice || c.osName !== s.ua.os.name || c.deviceType !== s.ua.device.type) return null
      const net = network(input)
      const twins = input.devicesWithSdkHash >= 2
      if (twins && net.same === null) return null
      let score = net.same === 'address' ? 90 : net.same === 'prefix' ? 86 : 72
      if (net.same) score *= addressDecay(net.age) * 0.25 + 0.75
      if (twins) score -= 30 + crowdPenalty(input.devicesOnAddress)
      return { level: 'device', factor: 'sdk_device', score, exact: !twins && net.same !== null }
    },
  },
  {
    // No cookie, no SDK: the same browser (UA, Accept, language) on the same network within the session window.
    name: 'session',
    evaluate(input) {
      const { signals: s, fingerprints: fp, candidate: c } = input
      if (c.primaryHash !== fp.primaryFingerprint) return null
      const net = network(input)
      if (!net.same || net.age > input.sessionWindowMs) return null
      const score = (net.same === 'address' ? 72 : 64) - 16 * (net.age / input.sessionWindowMs) - crowdPenalty(input.devicesOnAddress)
      return { level: 'browser', factor: 'session', score, exact: false }
    },
  },
  {
    // Server-side device signals (OS, model, language, country) from another browser on the same address.
    name: 'device_hash',
    evaluate(input) {
      const { signals: s, fingerprints: fp, candidate: c } = input
      if (c.deviceHash !== fp.deviceStableHash || c.browserName === s.ua.browser.name) return null
      const net = network(input)
      if (!net.same) return null
      const score = (net.same === 'address' ? 74 : 64) * addressDecay(net.age) - crowdPenalty(input.devicesOnAddress)
      return { level: 'device', factor: 'device_hash', score, exact: false }
    },
  },
]
