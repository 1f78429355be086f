import type { Clock } from '../clock.js'
import type { Config } from '../config/config.js'
import type { IdentityState } from '../identity/identity-state.js'
import { FileSnapshotStore } from '../identity/snapshot/file-snapshot-store.js'
import type { IdentitySnapshotStore } from '../identity/snapshot/snapshot-store.js'
import { IdentitySnapshotJob } from '../jobs/identity-snapshot-job.js'
import type { ClickWriter } from '../storage/click-writer.js'
import { sqliteFileOf } from '../storage/open-repositories.js'
import type { Repositories } from '../storage/repositories.js'

/**
 * Where the identity snapshot is kept: a file beside a SQLite database, a table of
 * PostgreSQL's; none for an in-memory database. Null too when the state is shared through
 * Redis (docs/identity-operations.md: a snapshot is one instance's view, which the others'
 * clicks after it would not complete) and when the state is not the process's own (replay).
 */
export function identitySnapshotStore(config: Config, storage: Pick<Repositories, 'dialect' | 'identitySnapshot'>, options: { shared: boolean; ownState: boolean }): IdentitySnapshotStore | null {
  if (options.shared || !options.ownState) return null
  if (storage.dialect === 'postgres') return storage.identitySnapshot
  const file = sqliteFileOf(config.databaseUrl)
  return file === null ? null : new FileSnapshotStore(`${file}.identity-snapshot`)
}

/** The job that keeps the snapshot current (IDENTITY_SNAPSHOT_INTERVAL_MS), started once the state is loaded. */
export function createIdentitySnapshots(config: Config, parts: {
  store: IdentitySnapshotStore
  state: () => IdentityState
  writer: ClickWriter
  storage: Pick<Repositories, 'identity'>
  clock: Clock
  paused: () => boolean
  onError?: (error: unknown) => void
  /** The click of the snapshot the state was loaded from, if it was. */
  loadedFrom: number | null
}): IdentitySnapshotJob {
  return new IdentitySnapshotJob({
    store: parts.store, state: parts.state, writer: parts.writer, storage: parts.storage.identity, clock: parts.clock,
    intervalMs: config.identitySnapshotIntervalMs, paused: parts.paused, onError: parts.onError, loadedFrom: parts.loadedFrom,
  })
}
