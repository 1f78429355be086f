import type { Kysely } from 'kysely'
import type { MigrationContext } from './migration-context.js'

/**
 * Sessions that can be recovered (seed 000, case 2): the device a session is bound to
 * (a keyed hash of the SDK's device fingerprint, and the identity engine's device cluster
 * at binding time), and the successor a recovery rotated it to, so a replayed old id is
 * recognised as such. Expired sessions are deleted by expiry, hence the index.
 */
export async function up(db: Kysely<unknown>, _ctx: MigrationContext): Promise<void> {
  for (const name of ['device_hash', 'device_cluster', 'rotated_to']) {
    await db.schema.alterTable('sessions').addColumn(name, 'text').execute()
  }
  await db.schema.createIndex('sessions_expires_at_idx').on('sessions').column('expires_at').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('sessions_expires_at_idx').execute()
  for (const name of ['rotated_to', 'device_cluster', 'device_hash']) {
    await db.schema.alterTable('sessions').dropColumn(name).execute()
  }
}
