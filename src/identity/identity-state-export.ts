import type { ClusterLevel, FingerprintEntity } from './fingerprint-entity.js'
import type { SdkHashUse } from './sdk-hash-ambiguity.js'

/**
 * A state's whole content as plain data, column by column (arrays of strings and numbers):
 * what a snapshot stores (identity/snapshot/) and gives back, so that a restart resumes
 * from it and decides exactly as the process that wrote it would have. Logical, not
 * internal: a state changing how it keeps things only has to keep producing and
 * consuming this. Every list is in the order the state keeps it (oldest first), since that
 * order decides what is evicted next.
 *
 * Columns, not an object per entity: taking the copy is the one step that holds the event
 * loop, and at 500 000 contexts an object (and its arrays) per context cost seconds of
 * garbage collection where shared strings in columns cost a few hundred milliseconds
 * (docs/identity-operations.md).
 */
export interface IdentityStateExport {
  /** Live entities, least recently put first, as they stood at the export. */
  readonly entities: ExportedEntities
  /** The cluster bookkeeping of every key remembered. */
  readonly keys: ExportedKeys
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

/** FingerprintEntity's fields, one array each, index for index; `addresses` flattened to [ip, seen, ip, seen, …] per entity. */
export type ExportedEntities = { [F in Exclude<keyof FingerprintEntity, 'addresses'>]-?: Array<FingerprintEntity[F] | null> } & {
  addresses: Array<Array<string | number> | null>
}

export const ENTITY_FIELDS = [
  'key', 'firstSeen', 'lastSeen', 'deviceHash', 'browserHash', 'primaryHash', 'sessionHash', 'sdkDevice', 'sdkBrowser', 'browserName', 'osName', 'deviceType',
  'language', 'model', 'ipHash', 'prefixHash', 'confidence', 'correlationType', 'factors', 'linkedFrom', 'geo', 'geoSince', 'addresses',
] as const satisfies ReadonlyArray<keyof ExportedEntities>

export function emptyEntities(): ExportedEntities {
  return Object.fromEntries(ENTITY_FIELDS.map((f) => [f, []])) as unknown as ExportedEntities
}

/** The cluster bookkeeping, one array per fact, index for index (null: not known / none). */
export interface ExportedKeys {
  readonly key: string[]
  readonly firstSeen: Array<number | null>
  readonly browserParent: Array<string | null>
  readonly deviceParent: Array<string | null>
  readonly browserSize: Array<number | null>
  readonly deviceSize: Array<number | null>
  /** Links clicked by the cluster rooted here: one link id as it is, several as an array in the order they were marked. */
  readonly browserClicked: Array<number | number[] | null>
  readonly deviceClicked: Array<number | number[] | null>
  readonly edges: Array<Array<{ other: string; level: ClusterLevel; provisionalOn: string | null }> | null>
}

export const KEY_FIELDS = ['key', 'firstSeen', 'browserParent', 'deviceParent', 'browserSize', 'deviceSize', 'browserClicked', 'deviceClicked', 'edges'] as const satisfies ReadonlyArray<keyof ExportedKeys>

export function emptyKeys(): ExportedKeys {
  return Object.fromEntries(KEY_FIELDS.map((f) => [f, []])) as unknown as ExportedKeys
}

/**
 * One index's lists: the ids, how many live sightings each has, and those sightings
 * (their keys and times) one list after the other. A sighting whose key is '' belongs to
 * an erased context: it still counts how crowded an address is, as it did before the
 * restart, but names no one.
 */
export interface ExportedSightings {
  readonly ids: string[]
  readonly counts: number[]
  readonly keys: string[]
  readonly ts: number[]
}

export type ExportedSdkHashUse = Omit<SdkHashUse, 'keys'> & { readonly keys: string[] }

/** A state that can be written to a snapshot and started from one. */
export interface ExportableIdentityState {
  /** A copy of the whole content, taken synchronously (later changes do not reach it). */
  exportState(): IdentityStateExport
  /**
   * The same copy, of the same moment (the call), with most of the work done a slice at a
   * time after it, `pause()` between slices: the event loop is held only briefly.
   */
  exportGradually(pause: () => Promise<void>): Promise<IdentityStateExport>
  /** Fills a fresh state (nothing put yet) with an export. */
  restoreState(content: IdentityStateExport): void
}

export function isExportable(state: object): state is ExportableIdentityState {
  return typeof (state as Partial<ExportableIdentityState>).exportGradually === 'function' && typeof (state as Partial<ExportableIdentityState>).restoreState === 'function'
}
