import { AppError } from '../errors.js'
import type { LinkprintDialect } from './linkprint-dialect.js'
import { createPostgresDialect } from './postgres/postgres-dialect.js'
import { Repositories } from './repositories.js'
import { createSqliteDialect } from './sqlite/sqlite-dialect.js'

/** `sqlite:<path>` (or `sqlite::memory:`) and `postgres://…`/`postgresql://…`, as docs/contracts.md names them. */
export function dialectFromUrl(url: string): LinkprintDialect {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
    if (!path) throw new AppError('VALIDATION_FAILED', 'DATABASE_URL sqlite: needs a file path')
    return createSqliteDialect(path)
  }
  if (/^postgres(ql)?:\/\//.test(url)) return createPostgresDialect(url)
  throw new AppError('VALIDATION_FAILED', `DATABASE_URL must start with sqlite: or postgres://, got "${url.replace(/\/\/[^@]*@/, '//***@')}"`)
}

/** The file of a `sqlite:<path>` DATABASE_URL; null for PostgreSQL and an in-memory SQLite database. */
export function sqliteFileOf(url: string): string | null {
  if (!url.startsWith('sqlite:')) return null
  const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
  return path === '' || path === ':memory:' ? null : path
}

/** The repositories over the database at `url` (DATABASE_URL); run migrateUp() before use. */
export function openRepositories(url: string): Repositories {
  return new Repositories(dialectFromUrl(url))
}
