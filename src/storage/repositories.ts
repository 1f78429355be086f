import { Kysely, Migrator, type MigrationProvider } from 'kysely'
import { AnalyticsRepository } from './analytics-repository.js'
import { ClicksRepository } from './clicks-repository.js'
import type { Database } from './database.js'
import { DomainsRepository } from './domains-repository.js'
import { IdentitySnapshotRepository } from './identity-snapshot-repository.js'
import { IdentityRepository } from './identity-repository.js'
import { KeysRepository } from './keys-repository.js'
import type { ClickBatchWriter, LinkprintDialect } from './linkprint-dialect.js'
import { LinkBatchRepository } from './link-batch-repository.js'
import { LinksRepository } from './links-repository.js'
import { migrationContext } from './migrations/migration-context.js'
import { MIGRATIONS } from './migrations/index.js'
import { RetentionRepository } from './retention-repository.js'
import { SessionsRepository } from './sessions-repository.js'
import { SettingsRepository } from './settings-repository.js'
import type { DialectName, MigrationState } from './storage.js'
import { UsersRepository } from './users-repository.js'
import { VisitorsRepository } from './visitors-repository.js'

/**
 * Everything linkprint keeps, one repository per table family over one Kysely instance.
 * This object owns that instance, the migrations and close(); each consumer types against
 * the repositories (and methods) it uses, so a change to one family touches its own file.
 * Both dialects serve every repository through the same Kysely queries.
 */
export class Repositories {
  readonly dialect: DialectName
  readonly settings: SettingsRepository
  readonly users: UsersRepository
  readonly keys: KeysRepository
  readonly sessions: SessionsRepository
  readonly links: LinksRepository
  /** The short domains besides the default one. */
  readonly domains: DomainsRepository
  /** Links inserted many at a time (bulk import). */
  readonly linkBatches: LinkBatchRepository
  readonly clicks: ClicksRepository
  readonly analytics: AnalyticsRepository
  readonly retention: RetentionRepository
  readonly visitors: VisitorsRepository
  /** The identity engine's reads and writes beyond clicks: restart reload, migration job, debug API. */
  readonly identity: IdentityRepository
  /** The identity engine's snapshot where the database keeps it (PostgreSQL; SQLite's is a file beside the database). */
  readonly identitySnapshot: IdentitySnapshotRepository
  readonly #db: Kysely<Database>
  readonly #migrator: Migrator
  readonly #clickBatchWriter: ClickBatchWriter

  constructor(dialect: LinkprintDialect) {
    this.dialect = dialect.name
    const db = new Kysely<Database>({ dialect: dialect.createKyselyDialect() })
    this.#db = db
    this.#clickBatchWriter = dialect.createClickBatchWriter()
    this.settings = new SettingsRepository(db)
    this.users = new UsersRepository(db, dialect.isUniqueViolation)
    this.keys = new KeysRepository(db)
    this.sessions = new SessionsRepository(db)
    this.links = new LinksRepository(db, dialect.isUniqueViolation)
    this.domains = new DomainsRepository(db, dialect.isUniqueViolation)
    this.linkBatches = new LinkBatchRepository(db)
    this.clicks = new ClicksRepository(db, this.#clickBatchWriter)
    this.analytics = new AnalyticsRepository(db, dialect.name)
    this.retention = new RetentionRepository(db)
    this.visitors = new VisitorsRepository(db)
    this.identity = new IdentityRepository(db)
    this.identitySnapshot = new IdentitySnapshotRepository(db)
    const ctx = migrationContext(dialect.name)
    const provider: MigrationProvider = {
      getMigrations: async () =>
        Object.fromEntries(
          Object.entries(MIGRATIONS).map(([name, m]) => [
            name,
            { up: (db: Kysely<unknown>) => m.up(db, ctx), down: (db: Kysely<unknown>) => m.down(db, ctx) },
          ]),
        ),
    }
    this.#migrator = new Migrator({ db, provider, migrationTableName: 'linkprint_migrations', migrationLockTableName: 'linkprint_migrations_lock' })
  }

  async migrateUp(): Promise<string[]> {
    const { error, results } = await this.#migrator.migrateToLatest()
    if (error) throw error
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
  }

  async migrateDown(): Promise<string | null> {
    const { error, results } = await this.#migrator.migrateDown()
    if (error) throw error
    return results?.find((r) => r.status === 'Success')?.migrationName ?? null
  }

  async migrations(): Promise<MigrationState[]> {
    const infos = await this.#migrator.getMigrations()
    return infos.map((m) => ({ name: m.name, executedAt: m.executedAt ? m.executedAt.getTime() : null }))
  }

  async close(): Promise<void> {
    await this.#clickBatchWriter.close()
    await this.#db.destroy()
  }
}
