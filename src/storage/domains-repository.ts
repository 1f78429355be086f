import type { Kysely } from 'kysely'
import { AppError } from '../errors.js'
import type { Database } from './database.js'

export interface Domain {
  id: number
  host: string
  createdAt: number
}

/** The domains table: the short hosts besides the default one (PUBLIC_URL's). */
export class DomainsRepository {
  readonly #db: Kysely<Database>
  readonly #isUniqueViolation: (error: unknown) => boolean

  constructor(db: Kysely<Database>, isUniqueViolation: (error: unknown) => boolean) {
    this.#db = db
    this.#isUniqueViolation = isUniqueViolation
  }

  /** Throws AppError DOMAIN_TAKEN when the host is there already. */
  async addDomain(host: string, createdAt: number): Promise<Domain> {
    try {
      const row = await this.#db.insertInto('domains').values({ host, created_at: createdAt }).returningAll().executeTakeFirstOrThrow()
      return { id: Number(row.id), host: row.host, createdAt: Number(row.created_at) }
    } catch (error) {
      if (this.#isUniqueViolation(error)) throw new AppError('DOMAIN_TAKEN')
      throw error
    }
  }

  async listDomains(): Promise<Domain[]> {
    const rows = await this.#db.selectFrom('domains').selectAll().orderBy('host').execute()
    return rows.map((r) => ({ id: Number(r.id), host: r.host, createdAt: Number(r.created_at) }))
  }

  /**
   * Removes a domain no link uses, in one statement, so a link created on it meanwhile
   * cannot be left on a host that no longer answers. False: no such domain; throws
   * DOMAIN_IN_USE when links are on it.
   */
  async removeDomain(host: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const used = await trx.selectFrom('links').select('id').where('domain', '=', host).limit(1).executeTakeFirst()
      if (used) throw new AppError('DOMAIN_IN_USE')
      const result = await trx.deleteFrom('domains').where('host', '=', host).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    })
  }
}
