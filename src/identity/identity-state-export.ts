import type { ClusterLevel, FingerprintEntity } from './fingerprint-entity.js'
import type { SdkHashUse } from './sdk-hash-ambiguity.js'

/**
 * A state's whole content as plain data (arrays, strings, numbers): what a snapshot
 * stores (identity/snapshot/) and gives back, so that a restart resumes from it and
 * decides exactly as the process that wrote it would have. Logical, not internal: a
 * state changing how it keeps things only has to keep producing and consuming this.
 * Every list is in the order the state keeps it (oldest first), since that order decides
 * what is evicted next.
 */
export interface IdentityStateExport {
  /** Live entities, least recently put first, each a copy as it stood at the export. */
  readonly entities: FingerprintEntity[]
  /** The cluster bookkeeping of every key remembered. */
  readonly keys: ExportedKey[]
  /** Sighting lists, oldest id first, each with its live sightings oldest first. */
  readonly byAddress: ExportedSightings
  readonly byPrefix: ExportedSightings
  readonly bySdkDevice: ExportedSightings
  readonly bySdkBrowser: ExportedSightings
  /** SDK device and browser hashes' use records, least recently created first. */
  readonly sdkDevices: Array<[hash: string, use: ExportedSdkHashUse]>
  readonly sdkBrowsers: Array<[hash: string, use: ExportedSdkHashUse]>
  /** Storage contexts joined by merges resting on each SDK hash alone. */
  readonly provisional: Array<[hash: string, keys: string[]]>
  /** Clusters rebuilt by withdrawn merges the engine has not taken yet (empty between clicks). */
  readonly withdrawn: Array<{ key: string; browserRoot: string; deviceRoot: string }>
  /** Bookkeeping size that triggers the next sweep. */
  readonly sweepAt: number
}

export interface ExportedKey {
  readonly key: string
  readonly firstSeen: number | null
  readonly browserParent: string | null
  readonly deviceParent: string | null
  readonly browserSize: number | null
  readonly deviceSize: number | null
  /** Links clicked by the cluster rooted here, in the order they were marked. */
  readonly browserClicked: number[] | null
  readonly deviceClicked: number[] | null
  readonly edges: Array<{ other: string; level: ClusterLevel; provisionalOn: string | null }> | null
}

/**
 * One index's lists: ids, then per id its live sightings as parallel arrays. A sighting
 * whose key is '' belongs to an erased context: it still counts how crowded an address
 * is, as it did before the restart, but names no one.
 */
export interface ExportedSightings {
  readonly ids: string[]
  readonly keys: string[][]
  readonly ts: number[][]
}

export type ExportedSdkHashUse = Omit<SdkHashUse, 'keys'> & { readonly keys: string[] }

/** A state that can be written to a snapshot and started from one. */
export interface ExportableIdentityState {
  /** A copy of the whole content, taken synchronously (later changes do not reach it). */
  exportState(): IdentityStateExport
  /** Fills a fresh state (nothing put yet) with an export. */
  restoreState(content: IdentityStateExport): void
}

export function isExportable(state: object): state is ExportableIdentityState {
  return typeof (state as Partial<ExportableIdentityState>).exportState === 'function' && typeof (state as Partial<ExportableIdentityState>).restoreState === 'function'
}
