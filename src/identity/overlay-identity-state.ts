import type { ClusterLevel, FingerprintEntity } from './fingerprint-entity.js'
import type { IdentityState, StateEdge } from './identity-state.js'

/**
 * A copy-on-write view of another state, for dry runs (the debug API's `action=test`):
 * the engine resolves a request against everything the live state knows, and every
 * change it makes (new or refreshed entities, unions, clicked links) stays here. The live
 * state is never written, so explaining a request records nothing and changes no later
 * decision.
 *
 * Meant for one resolve: the indexes and the address/SDK counters are read from the base
 * (within a resolve the engine reads them before it writes), and entities read from the
 * base are copied before the engine can mutate them.
 */
export class OverlayIdentityState implements IdentityState {
  readonly #base: IdentityState
  readonly #entities = new Map<string, FingerprintEntity>()
  readonly #parent: Record<ClusterLevel, Map<string, string>> = { browser: new Map(), device: new Map() }
  readonly #size: Record<ClusterLevel, Map<string, number>> = { browser: new Map(), device: new Map() }
  readonly #clicked: Record<ClusterLevel, Map<string, Set<number>>> = { browser: new Map(), device: new Map() }

  constructor(base: IdentityState) {
    this.#base = base
  }

  get(key: string): FingerprintEntity | undefined {
    const own = this.#entities.get(key)
    if (own) return own
    const shared = this.#base.get(key)
    if (!shared) return undefined
    // A deep copy: the engine changes entities in place, arrays included (factors, addresses).
    const copy: FingerprintEntity = structuredClone(shared)
    this.#entities.set(key, copy)
    return copy
  }

  put(entity: FingerprintEntity): void {
    this.#entities.set(entity.key, entity)
  }

  find(level: ClusterLevel, key: string): string {
    let root = this.#base.find(level, key)
    for (let next = this.#parent[level].get(root); next !== undefined; next = this.#parent[level].get(root)) root = next
    return root
  }

  union(level: ClusterLevel, a: string, b: string): [string, string] | null {
    const ra = this.find(level, a)
    const rb = this.find(level, b)
    if (ra === rb) return null
    const size = this.clusterSize(level, ra) + this.clusterSize(level, rb)
    // The base's rule, from what can be read of it: the older root survives; a context not
    // yet stored (the one being resolved) is the newest.
    const [absorbed, survivor] = (this.get(ra)?.firstSeen ?? Infinity) <= (this.get(rb)?.firstSeen ?? Infinity) ? [rb, ra] : [ra, rb]
    this.#parent[level].set(absorbed, survivor)
    this.#size[level].set(survivor, size)
    return [absorbed, survivor]
  }

  takeWithdrawn(): Array<{ key: string; browserRoot: string; deviceRoot: string }> {
    // Nothing is withdrawn by a dry run: the overlay's puts never reach the base's SDK-hash bookkeeping.
    return []
  }

  clusterSize(level: ClusterLevel, key: string): number {
    const root = this.find(level, key)
    return this.#size[level].get(root) ?? this.#base.clusterSize(level, root)
  }

  onAddress(ipHash: string, limit?: number): readonly FingerprintEntity[] {
    return this.#base.onAddress(ipHash, limit)
  }

  onPrefix(prefixHash: string, limit?: number): readonly FingerprintEntity[] {
    return this.#base.onPrefix(prefixHash, limit)
  }

  withSdkDevice(hash: string, limit?: number): readonly FingerprintEntity[] {
    return this.#base.withSdkDevice(hash, limit)
  }

  withSdkBrowser(hash: string, limit?: number): readonly FingerprintEntity[] {
    return this.#base.withSdkBrowser(hash, limit)
  }

  contextsOnAddress(ipHash: string, since: number): number {
    return this.#base.contextsOnAddress(ipHash, since)
  }

  sdkDeviceAmbiguous(hash: string): boolean {
    return this.#base.sdkDeviceAmbiguous(hash)
  }

  sdkBrowserAmbiguous(hash: string): boolean {
    return this.#base.sdkBrowserAmbiguous(hash)
  }

  hasClicked(level: ClusterLevel, root: string, linkId: number): boolean {
    if (this.#clicked[level].get(root)?.has(linkId) || this.#base.hasClicked(level, root, linkId)) return true
    // A cluster the dry run absorbed brings its clicked links along, as a real union does.
    for (const [absorbed] of this.#parent[level]) if (this.find(level, absorbed) === root && this.#base.hasClicked(level, absorbed, linkId)) return true
    return false
  }

  markClicked(level: ClusterLevel, root: string, linkId: number): void {
    let links = this.#clicked[level].get(root)
    if (!links) this.#clicked[level].set(root, (links = new Set()))
    links.add(linkId)
  }

  edgesOf(key: string): readonly StateEdge[] {
    return this.#base.edgesOf(key)
  }

  restoreMembership(): void {
    // A dry run restores nothing: the base holds the stored clusters already.
  }

  erase(): void {
    // Nothing erases through a dry run; erasures go to the live state.
  }

  expire(): void {}
}
