import type { Clock } from '../clock.js'
import { FingerprintMigration, type FingerprintMigrationOptions } from '../jobs/fingerprint-migration.js'
import { loadIdentityState, type IdentityStateLoad, type IdentityStateLoadOptions } from '../identity/identity-state-loader.js'
import type { IdentityRepository } from '../storage/identity-repository.js'
import type { ClickWriter } from '../storage/click-writer.js'
import type { Fingerprinting } from './create-fingerprinting.js'
import type { IdentityParts } from './create-identity.js'

type ReloadStorage = Parameters<typeof loadIdentityState>[0]

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
}): Promise<{ migration: FingerprintMigration; identityLoad: IdentityStateLoad }> {
  const { storage, identity } = parts
  const replaceable = identity.replaceable
  const migration = await FingerprintMigration.open({
    storage, writer: parts.writer, clock: parts.clock, engine: identity.engine, fingerprinting: parts.fingerprinting,
    resetState: replaceable && (() => replaceable.replace(identity.newState())),
    chunkSize: parts.chunkSize,
    onError: parts.onError,
  })
  const identityLoad = parts.restore === false
    ? { upToClickId: 0, memberships: 0, contexts: 0, sightings: 0, clicked: 0, edges: 0, ms: 0 }
    : await loadIdentityState(storage.identity, replaceable?.state ?? identity.engine.state, { ...parts.restore, upToClickId: migration.resumeCursor ?? parts.restore?.upToClickId })
  return { migration, identityLoad }
}
