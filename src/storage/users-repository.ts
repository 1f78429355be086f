import type { Kysely, Selectable } from 'kysely'
import { AppError } from '../errors.js'
import type { Database, UsersTable } from './database.js'
import type { User } from './storage.js'

/** The users table. */
export class UsersRepository {
  readonly #db: Kysely<Database>
  readonly #isUniqueViolation: (error: unknown) => boolean

  constructor(db: Kysely<Database>, isUniqueViolation: (error: unknown) => boolean) {
    this.#db = db
    this.#isUniqueViolation = isUniqueViolation
  }

  async countUsers(): Promise<number> {
    const row = await this.#db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    return Number(row.n)
  }

  async createUser(user: Omit<User, 'id'>): Promise<User> {
    const row = await this.#db
      .insertInto('users')
      .values({ email: user.email, password_hash: user.passwordHash, is_admin: user.isAdmin ? 1 : 0, created_at: user.createdAt })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((error: unknown) => {
        if (this.#isUniqueViolation(error)) throw new AppError('VALIDATION_FAILED', 'A user with this email exists')
        throw error
      })
    return toUser(row)
  }

  async findUserByEmail(email: string): Promise<User | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst()
    return row && toUser(row)
  }

  /** The users of these ids that exist, in one query (link owners of a page). */
  async findUsersByIds(ids: readonly number[]): Promise<User[]> {
    if (ids.length === 0) return []
    const rows = await this.#db.selectFrom('users').selectAll().where('id', 'in', [...new Set(ids)]).orderBy('id').execute()
    return rows.map(toUser)
  }

  async findUserById(id: number): Promise<User | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toUser(row)
  }
}

function toUser(row: Selectable<UsersTable>): User {
  return { id: Number(row.id), email: row.email, passwordHash: row.password_hash, isAdmin: row.is_admin === 1, createdAt: Number(row.created_at) }
}
