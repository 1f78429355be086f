/**
 * Where the identity state's snapshot lives: a file beside a SQLite database, a table of
 * PostgreSQL's (file-snapshot-store.ts, storage/identity-snapshot-repository.ts). Writing
 * replaces the previous snapshot atomically: a crash mid-write leaves the previous one.
 */
export interface IdentitySnapshotStore {
  /** Where, for log lines. */
  readonly where: string
  /** The stored parts in order; null when there is none. Throws SnapshotUnusable when they cannot be read back as written. */
  read(): Promise<Buffer[] | null>
  /** Replaces the snapshot with these parts, all or nothing. */
  write(parts: AsyncIterable<Buffer>): Promise<void>
  /** Removes the snapshot (a visitor's data was erased, the algorithm changed): the next start loads the database. */
  discard(): Promise<void>
}
