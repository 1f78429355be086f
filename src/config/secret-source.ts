import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { AppError } from '../errors.js'

/** What `settings.secret` holds once the secret has left the database: where it went, never the secret. */
const MOVED = 'moved out: '

interface Settings {
  getSetting(key: string): Promise<string | undefined>
  setSetting(key: string, value: string): Promise<void>
}

interface Log {
  info(details: object, message: string): void
  warn(details: object, message: string): void
}

/**
 * Where SECRET_FILE defaults to: beside the SQLite database, or `./data/secret` for
 * PostgreSQL; none for an in-memory database (its secret lives as long as it does).
 */
export function defaultSecretFile(databaseUrl: string): string | null {
  if (databaseUrl.startsWith('sqlite:')) {
    const path = databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
    return path === ':memory:' ? null : join(dirname(resolve(path)), 'secret')
  }
  return resolve('data', 'secret')
}

/**
 * The service's SECRET: the environment's, else the file's (SECRET_FILE, mode 0600), never
 * the database's — a copy of the database must open nothing. An install that kept it in
 * `settings` (earlier versions did) has it moved to the file on this start, and the row
 * then says where it went. A new install gets a random one written to the file.
 */
export async function loadSecret(options: { secret: string | undefined; secretFile: string | undefined; databaseUrl: string }, settings: Settings, log?: Log): Promise<string> {
  const stored = await settings.getSetting('secret')
  const legacy = stored !== undefined && !stored.startsWith(MOVED) ? stored : undefined
  if (options.secret !== undefined) {
    if (legacy !== undefined) {
      await settings.setSetting('secret', `${MOVED}${new Date().toISOString()}, SECRET is set in the environment`)
      log?.warn({}, 'SECRET: removed the unused secret stored in the database (SECRET is set in the environment)')
    }
    return options.secret
  }
  const path = options.secretFile ?? defaultSecretFile(options.databaseUrl)
  if (path === null) return legacy ?? randomBytes(32).toString('base64url')

  const existing = readSecretFile(path)
  if (existing !== undefined) {
    if (legacy !== undefined) {
      await settings.setSetting('secret', `${MOVED}${new Date().toISOString()}, ${path} already held one`)
      log?.warn({ path }, `SECRET: ${path} already exists and is used; the secret that was stored in the database is removed from it`)
    }
    return existing
  }
  if (legacy === undefined && stored !== undefined) {
    // Another instance moved (or made) it: this one must be given the same file, or its tokens and cookies would not match.
    throw new AppError('VALIDATION_FAILED', `SECRET was moved out of the database (${stored.slice(MOVED.length)}), and ${path} does not exist here: copy that file here (mode 0600) or set SECRET_FILE or SECRET`)
  }
  const secret = legacy ?? randomBytes(32).toString('base64url')
  const written = writeSecretFile(path, secret)
  await settings.setSetting('secret', `${MOVED}${new Date().toISOString()}, to ${path} on ${hostname()}`)
  if (legacy !== undefined) {
    log?.warn({ path }, `SECRET MOVED: the secret was stored in the database; it is now in ${path} (mode 0600) and no longer in the database. Keep that file with your backups: without it, sessions, tokens and cookies are void. Other instances need the same file (SECRET_FILE) or SECRET. Backups made before today still hold it: rotate it (docs/secrets.md) if one may have leaked.`)
  } else if (written === secret) {
    log?.info({ path }, `SECRET: created a new random secret in ${path} (mode 0600); keep it with your backups`)
  }
  return written
}

function readSecretFile(path: string): string | undefined {
  let mode: number
  try {
    mode = statSync(path).mode
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined
    throw error
  }
  if ((mode & 0o077) !== 0) throw new AppError('VALIDATION_FAILED', `SECRET_FILE ${path} is readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 ${path}`)
  const secret = readFileSync(path, 'utf8').trim()
  if (secret.length < 16) throw new AppError('VALIDATION_FAILED', `SECRET_FILE ${path} holds fewer than 16 characters`)
  return secret
}

/** Written only if absent ('wx'): two instances starting at once keep the first one's. */
function writeSecretFile(path: string, secret: string): string {
  mkdirSync(dirname(path), { recursive: true })
  try {
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' })
    return secret
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error
    return readSecretFile(path)!
  }
}
