import type { Clock } from '../clock.js'
import { FingerprintMigration, type FingerprintMigrationOptions } from '../jobs/fingerprint-migration.js'
import type { IdentityStateLoad, IdentityStateLoadOptions } from '../identity/identity-state-loader.js'
import { loadIdentityStateFromSnapshot } from '../identity/snapshot/snapshot-loader.js'
import type { IdentitySnapshotStore } from '../identity/snapshot/snapshot-store.js'
import type { IdentityRepository } from '../storage/identity-repository.js'
import type { ClickWriter } from '../storage/click-writer.js'
import type { Fingerprinting } from './create-fingerprinting.js'
import type { IdentityParts } from './create-identity.js'

type ReloadStorage = Parameters<typeof loadIdentityStateFromSnapshot>[0]

/**
 * Seed 002's migration job, then the engine's memory as the last process left it (or as
 * an interrupted job left it, at its cursor): a restart changes no decision.
 */
export async function createFingerprintMigration(parts: {
  storage: FingerprintMigrationOptions['storage'] & { readonly identity: ReloadStorage & Pick<IdentityRepository, 'resetIdentity'> }
  writer: ClickWriter
  clock: Clock
  identity: IdentityParts
  fingerprinting: Fingerprinting
  chunkSize?: number
  /** false: no reload (commands that resolve no click). */
  restore?: IdentityStateLoadOptions | false
  onError?: (error: unknown) => void
  /** The identity snapshot a start loads first (null: none is kept), and the line saying where the state came from. */
  snapshot?: { store: IdentitySnapshotStore | null; log?: (details: object, message: string) => void }
  /** The job started (the state is reset: the snapshot is no longer this state's) and finished. */
  onJob?: FingerprintMigrationOptions['onJob']
}): Promise<{ migration: FingerprintMigration; identityLoad: IdentityStateLoad }> {
  const { storage, identity } = parts
  const replaceable = identity.replaceable
  const migration = await FingerprintMigration.open({
    storage, writer: parts.writer, clock: parts.clock, engine: identity.engine, fingerprinting: parts.fingerprinting,
    resetState: replaceable && (() => replaceable.replace(identity.newState())),
    chunkSize: parts.chunkSize,
    onError: parts.onError,
    onJob: parts.onJob,
  })
  const identityLoad = parts.restore === false
    ? { upToClickId: 0, memberships: 0, contexts: 0, sightings: 0, clicked: 0, edges: 0, ms: 0, snapshotClickId: null }
    : await loadIdentityStateFromSnapshot(storage.identity, replaceable?.state ?? identity.engine.state, {
      ...parts.restore, upToClickId: migration.resumeCursor ?? parts.restore?.upToClickId, store: parts.snapshot?.store ?? null, log: parts.snapshot?.log,
    })
  return { migration, identityLoad }
}
