import type { FingerprintEntity } from './fingerprint-entity.js'
import type { Sighting } from './sighting-index.js'

/**
 * What one SDK hash (device or browser) has shown of its use so far: the record a state
 * keeps per hash and hands to the rule, so that any state (in memory, Redis, compact)
 * stores it and none re-implements the policy. Plain data, mutated by the rule only.
 */
export interface SdkHashUse {
  readonly keys: Set<string>
  recent: Sighting[]
  /** The network (prefix hash) of each of `recent`, index for index. */
  prefixes: string[]
  /** Networks (prefix hashes) on which new contexts with the hash were first seen, up to MAX_BIRTH_NETWORKS. */
  births: string[]
  /** The kind of device the first context showed (OS, type, language, specific model once named): another kind is another device. */
  kind: DeviceKind | null
  /** Decided by the rule: the hash is carried by several devices. Once set, it stays. */
  ambiguous: boolean
}

/** A policy deciding from a hash's use whether it is carried by one device; the state stores the record and withdraws merges when it turns. */
export interface SdkHashRule {
  readonly name: string
  /** The record of a hash seen for the first time. */
  start(): SdkHashUse
  /** Learns from a context showing the hash (every put of it), and sets `use.ambiguous` when it proves shared. */
  judge(use: SdkHashUse, entity: FingerprintEntity): void
  /** An erased context's sightings leave the record; what other contexts showed stays. Returns false when no context is left. */
  forget(use: SdkHashUse, key: string): boolean
}

/**
 * Two contexts with one SDK device hash on two networks within this long are taken to be
 * two devices. Deliberately long: a phone also changes networks within minutes (Wi-Fi to
 * cellular), and calling one device two costs only a missed merge, while calling two
 * devices one miscounts visitors.
 */
const SIMULTANEITY_MS = 12 * 3_600_000
const MAX_CONTEXTS_PER_DEVICE = 12
/** Private windows come one or two at a time; four fresh contexts within minutes are several devices. */
const MAX_NEW_CONTEXTS_AT_ONCE = 4
/**
 * New storage contexts (cookie jars) are born where a device is used: a cleared or
 * purged jar, a private window, another browser. One device is used in a few places;
 * a hash whose new contexts keep appearing on this many networks belongs to a kind of
 * device (a popular model with default settings), not to one.
 */
const MAX_BIRTH_NETWORKS = 3
const RECENT_KEPT = 8

interface DeviceKind {
  readonly os: string | null
  readonly type: string
  language: string | null
  model: string | null
}

/**
 * Whether the context can be the device the hash's earlier contexts are (as compatibleDevice
 * judges a candidate): the same OS and type; no two OS languages or specific models. What
 * one context left open (an in-app view names the model, a browser does not) the next fills in.
 */
function sameKind(use: SdkHashUse, e: FingerprintEntity): boolean {
  const k = use.kind
  const language = e.language ?? null
  const model = e.model ?? null
  if (k === null) {
    use.kind = { os: e.osName, type: e.deviceType, language, model }
    return true
  }
  if (k.os !== e.osName || k.type !== e.deviceType) return false
  if (language !== null && k.language !== null && language !== k.language) return false
  if (model !== null && k.model !== null && model !== k.model) return false
  k.language ??= language
  k.model ??= model
  return true
}

/**
 * Two storage contexts showing the same SDK hash from different networks within
 * SIMULTANEITY_MS are taken as two devices, and the hash (a popular model with default
 * settings) proves nothing from then on. So does a hash carried by more storage contexts
 * than one device plausibly has, in all or within minutes (identical laptops of one
 * office image behind one address), or whose new contexts have appeared on
 * MAX_BIRTH_NETWORKS networks (a popular model with default settings, clicking from many
 * homes). Device hashes and browser hashes are judged alike, each on its own use.
 */
export const SDK_HASH_AMBIGUITY: SdkHashRule = {
  name: 'sdk_hash_ambiguity',

  start() {
    return { keys: new Set(), recent: [], prefixes: [], births: [], kind: null, ambiguous: false }
  },

  judge(use, entity) {
    // Kinds of device that cannot be one device (another OS or type, OS language or specific model) carry it: several devices.
    if (!sameKind(use, entity)) {
      use.ambiguous = true
      return
    }
    // A context is born to the hash where it first shows it (usually its first click; later when the SDK ran late).
    if (!use.keys.has(entity.key) && !use.births.includes(entity.prefixHash)) {
      // A literal of one where it is the first: a push into an empty array reserves room for 17 (most hashes are seen by one context).
      if (use.births.length === 0) use.births = [entity.prefixHash]
      else use.births.push(entity.prefixHash)
      if (use.births.length >= MAX_BIRTH_NETWORKS) use.ambiguous = true
    }
    if (use.keys.size < MAX_CONTEXTS_PER_DEVICE) use.keys.add(entity.key)
    else if (!use.keys.has(entity.key)) use.ambiguous = true
    // Distinct contexts showing the hash at once, this one included; counted in place (recent holds at most 8), no Set per SDK click.
    let burst = 1
    for (let i = 0; i < use.recent.length; i++) {
      const other = use.recent[i]!
      if (other.key === entity.key || Math.abs(entity.lastSeen - other.ts) >= SIMULTANEITY_MS) continue
      if (use.prefixes[i] !== entity.prefixHash) use.ambiguous = true
      let repeated = false
      for (let j = 0; j < i && !repeated; j++) repeated = use.recent[j]!.key === other.key && Math.abs(entity.lastSeen - use.recent[j]!.ts) < SIMULTANEITY_MS
      if (!repeated) burst++
    }
    if (burst >= MAX_NEW_CONTEXTS_AT_ONCE) use.ambiguous = true
    if (use.recent.length === 0) {
      use.recent = [{ key: entity.key, ts: entity.lastSeen }]
      use.prefixes = [entity.prefixHash]
    } else {
      use.recent.unshift({ key: entity.key, ts: entity.lastSeen })
      use.prefixes.unshift(entity.prefixHash)
    }
    if (use.recent.length > RECENT_KEPT) {
      use.recent.length = RECENT_KEPT
      use.prefixes.length = RECENT_KEPT
    }
  },

  forget(use, key) {
    use.keys.delete(key)
    if (use.keys.size === 0) return false
    for (let i = use.recent.length - 1; i >= 0; i--) {
      if (use.recent[i]!.key !== key) continue
      use.recent.splice(i, 1)
      use.prefixes.splice(i, 1)
    }
    return true
  },
}
