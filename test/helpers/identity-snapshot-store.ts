import { FileSnapshotStore } from '../../src/identity/snapshot/file-snapshot-store.js'
import type { IdentitySnapshotStore } from '../../src/identity/snapshot/snapshot-store.js'
import { openRepositories, sqliteFileOf } from '../../src/storage/open-repositories.js'

/** The identity snapshot of a test database, where the service keeps it (a file beside SQLite, a table of PostgreSQL's), read and written from outside the service. */
export function snapshotStoreOf(databaseUrl: string): { store: IdentitySnapshotStore; file: string | null; close(): Promise<void> } {
  const file = sqliteFileOf(databaseUrl)
  if (file !== null) return { store: new FileSnapshotStore(`${file}.identity-snapshot`), file: `${file}.identity-snapshot`, close: async () => {} }
  const repositories = openRepositories(databaseUrl)
  return { store: repositories.identitySnapshot, file: null, close: () => repositories.close() }
}

export async function* partsOf(parts: readonly Buffer[]): AsyncGenerator<Buffer> {
  yield* parts
}
