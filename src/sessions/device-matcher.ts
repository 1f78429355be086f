import type { IdentityState } from '../identity/identity-state.js'

/** A device cluster an SDK device fingerprint belongs to, and how sure the engine was. */
export interface DeviceCandidate {
  readonly cluster: string
  readonly confidence: number
}

/**
 * What session recovery asks of the identity engine: which device clusters carry a
 * fingerprint, and what a cluster id stored earlier is called now (clusters merge).
 * Without one (an application that runs no identity engine), only the exact fingerprint
 * a session was bound to recovers it.
 */
export interface DeviceMatcher {
  /** Clusters of the storage contexts seen with this SDK device hash, most recent first; empty when unknown or ambiguous. */
  candidates(fingerprint: string): DeviceCandidate[]
  /** The current id of a cluster recorded earlier. */
  current(cluster: string): string
}

/** The slice of the identity engine's state a matcher reads (never writes). */
export type DeviceClusters = Pick<IdentityState, 'withSdkDevice' | 'find' | 'sdkDeviceAmbiguous'>

const MAX_CANDIDATES = 16

/** Reads linkprint's identity engine: `engine.state.find('device', key)` is a key's device cluster. */
export function identityEngineDevices(state: DeviceClusters): DeviceMatcher {
  return {
    candidates(fingerprint) {
      // A hash seen on two devices (identical phones in one family, one laptop image in an
      // office) names a kind of device, not one: it proves nothing about which.
      if (state.sdkDeviceAmbiguous(fingerprint)) return []
      const out: DeviceCandidate[] = []
      for (const entity of state.withSdkDevice(fingerprint)) {
        out.push({ cluster: state.find('device', entity.key), confidence: entity.confidence })
        if (out.length === MAX_CANDIDATES) break
      }
      return out
    },
    current: (cluster) => state.find('device', cluster),
  }
}
