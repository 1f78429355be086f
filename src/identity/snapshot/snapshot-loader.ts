import { FINGERPRINT_VERSION } from '../fingerprints.js'
import { isExportable } from '../identity-state-export.js'
import { loadIdentityState, replayTail, type IdentityStateLoad, type IdentityStateLoadOptions, type IdentityTailStorage } from '../identity-state-loader.js'
import type { IdentityState } from '../identity-state.js'
import type { IdentityRepository } from '../../storage/identity-repository.js'
import { decodeSnapshot, SnapshotUnusable } from './snapshot-format.js'
import type { IdentitySnapshotStore } from './snapshot-store.js'

type SnapshotLoadStorage = Parameters<typeof loadIdentityState>[0] & IdentityTailStorage & Pick<IdentityRepository, 'lastClickId' | 'lastClickTs'>

export interface SnapshotLoadOptions extends IdentityStateLoadOptions {
  /** Where the snapshot is; null: none is kept (an in-memory database, snapshots off, a state shared through Redis). */
  readonly store: IdentitySnapshotStore | null
  /** One line saying where the state came from, or why the snapshot was not used. */
  readonly log?: (details: object, message: string) => void
}

/**
 * The engine's state at start: the last snapshot and the clicks stored after it
 * (replayTail), else the full load from the database (loadIdentityState). A snapshot is
 * not used when it is missing, damaged, of another format or fingerprint version, not of
 * this database (it names a click the database does not hold), or when a fingerprint
 * migration resumes (its state is the job's, at its cursor); the log line says which.
 */
export async function loadIdentityStateFromSnapshot(storage: SnapshotLoadStorage, state: IdentityState, options: SnapshotLoadOptions): Promise<IdentityStateLoad> {
  const started = performance.now()
  const usable = await usableSnapshot(storage, state, options)
  if ('reason' in usable) {
    const load = await loadIdentityState(storage, state, options)
    if (usable.reason !== null) options.log?.({ reason: usable.reason, where: options.store?.where, ms: Math.round(load.ms), upToClickId: load.upToClickId }, `identity state: snapshot not used (${usable.reason}); loaded from the database`)
    return load
  }
  const { snapshot, last } = usable
  ;(state as IdentityState & { restoreState: (c: typeof snapshot.content) => void }).restoreState(snapshot.content)
  const tail = await replayTail(storage, state, snapshot.meta.upToClickId, last, options.pageSize)
  const load: IdentityStateLoad = {
    upToClickId: last, memberships: 0, contexts: snapshot.meta.entities, sightings: tail.sightings, clicked: tail.clicked, edges: tail.edges,
    ms: performance.now() - started, snapshotClickId: snapshot.meta.upToClickId,
  }
  options.log?.({ where: options.store?.where, snapshotClickId: load.snapshotClickId, upToClickId: last, contexts: load.contexts, tailClicks: tail.sightings, ms: Math.round(load.ms) }, 'identity state: loaded from its snapshot and the clicks after it')
  return load
}

/** The decoded snapshot and the last click, or why not (null: nothing worth a line, as when snapshots are off). */
async function usableSnapshot(storage: SnapshotLoadStorage, state: IdentityState, options: SnapshotLoadOptions) {
  if (options.store === null) return { reason: null }
  if (options.upToClickId !== undefined) return { reason: 'a fingerprint migration resumes from its own cursor' }
  if (!isExportable(state)) return { reason: 'the state cannot be restored from one' }
  try {
    const parts = await options.store.read()
    if (parts === null) return { reason: 'there is none yet' }
    const snapshot = decodeSnapshot(parts)
    const { meta } = snapshot
    if (meta.fingerprintVersion !== FINGERPRINT_VERSION) return { reason: `it is of fingerprint version ${meta.fingerprintVersion}, this is ${FINGERPRINT_VERSION}` }
    const last = await storage.lastClickId()
    if (meta.upToClickId > last) return { reason: `it reflects click ${meta.upToClickId}, the database ends at ${last}` }
    if (meta.upToClickId > 0 && (await storage.lastClickTs(meta.upToClickId)) !== meta.upToClickTs) return { reason: `the database does not hold its last click (${meta.upToClickId}) as it was` }
    return { snapshot, last }
  } catch (error) {
    if (error instanceof SnapshotUnusable) return { reason: error.message }
    throw error
  }
}
