import type { ClusterLevel, FingerprintEntity } from './fingerprint-entity.js'

/**
 * The engine's working memory: entities, their clusters (union-find per level) and the
 * indexes that find candidates. Bounded whatever the traffic. This interface is the
 * seam for a shared implementation (Redis) when several instances serve one database.
 */
/** The evidence behind a merge as the state keeps it: the other context, the level, and the SDK hash it rests on alone, if it does. */
export interface StateEdge {
  readonly other: string
  readonly level: ClusterLevel
  readonly provisionalOn: string | null
}

export interface IdentityState {
  get(key: string): FingerprintEntity | undefined
  /** Adds or refreshes an entity and indexes it under its current address and hashes. */
  put(entity: FingerprintEntity): void
  /** Canonical id of the entity's cluster at this level. */
  find(level: ClusterLevel, key: string): string
  /**
   * Unites two clusters; returns [absorbed root, surviving root], or null when already one.
   * The older root survives, so ids stay stable. `provisionalOn` names the SDK device
   * hash a merge rests on alone: if that hash later proves to be shared by several
   * devices, the merge is withdrawn (see takeWithdrawn).
   */
  union(level: ClusterLevel, a: string, b: string, provisionalOn?: string): [string, string] | null
  /**
   * Clusters rebuilt since the last call because merges they rested on were withdrawn:
   * every affected storage context with its new browser and device roots.
   */
  takeWithdrawn(): Array<{ key: string; browserRoot: string; deviceRoot: string }>
  clusterSize(level: ClusterLevel, key: string): number
  /** Entities seen on the address, the prefix, or with the SDK hash, most recent first, at most `limit`. */
  onAddress(ipHash: string, limit?: number): readonly FingerprintEntity[]
  onPrefix(prefixHash: string, limit?: number): readonly FingerprintEntity[]
  withSdkDevice(hash: string, limit?: number): readonly FingerprintEntity[]
  withSdkBrowser(hash: string, limit?: number): readonly FingerprintEntity[]
  /**
   * Storage contexts (cookie jars) seen on the address since `since`: how crowded it is
   * (offices, carrier NAT). Counted before any merging, so merges cannot make a crowded
   * address look quiet.
   */
  contextsOnAddress(ipHash: string, since: number, atMost?: number): number
  /** Whether the SDK device hash has been seen on two devices (so it identifies a kind of device, not one). */
  sdkDeviceAmbiguous(hash: string): boolean
  /** The same for an SDK browser hash, judged on its own use (a merge may rest on it alone, and be withdrawn). */
  sdkBrowserAmbiguous(hash: string): boolean
  hasClicked(level: ClusterLevel, root: string, linkId: number): boolean
  markClicked(level: ClusterLevel, root: string, linkId: number): void
  /**
   * After a restart (identity-state-loader.ts): places `key` in the cluster whose canonical
   * id is `root` at this level, as fingerprint_correlations stores it, counting it in the
   * cluster's size. `rootFirstSeen` is when the root was first seen: it decides the
   * survivor of later unions exactly as before the restart. For a fresh state; calling it
   * twice for one key is harmless. A shared state that outlives the process may ignore it.
   */
  restoreMembership(level: ClusterLevel, key: string, root: string, rootFirstSeen: number): void
  /**
   * The merge evidence recorded for a context (the merges it made and those made with it),
   * stored with its row so that a restart gives it back through union() and a provisional
   * merge can still be withdrawn after the restart (identity-state-loader.ts).
   */
  edgesOf(key: string): readonly StateEdge[]
  /**
   * A visitor's data was erased (privacy/visitor-data.ts): its contexts leave at once, as
   * their rows left storage, so the signals they carried (addresses, SDK hashes) link no
   * later visit to them. Contexts not named keep their clusters and ids.
   */
  erase(keys: Iterable<string>): void
  /** Retention deleted the rows of the contexts last seen before `before`: they leave the memory too. */
  expire(before: number): void
}
