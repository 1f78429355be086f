import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { SignJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { TokenKeyring } from '../../src/auth/token-keyring.js'
import { loadConfig } from '../../src/config/config.js'
import { buildApp } from '../../src/http/app.js'
import { createLinkprint, type Linkprint } from '../../src/linkprint.js'
import { openRepositories } from '../../src/storage/open-repositories.js'

const PASSWORD = 'correct horse battery'

describe('SECRET never lives in the database', () => {
  let dir: string
  const open: Linkprint[] = []
  afterEach(async () => {
    for (const lp of open.splice(0)) await lp.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const start = async (env: NodeJS.ProcessEnv, lines: string[] = []) => {
    const log = { info: (_: object, m: string) => lines.push(m), warn: (_: object, m: string) => lines.push(m), error: (_: object, m: string) => lines.push(m) }
    const lp = await createLinkprint(loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'lp.db')}`, GEOIP_DB: 'off', ...env }), { log })
    open.push(lp)
    return lp
  }

  it('an install that kept it in settings moves it to a 0600 file beside the database on its next start, says so, and keeps every key it derives', { timeout: 60_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'linkprint-secret-'))
    // An earlier version's database: the secret in settings.
    const old = openRepositories(`sqlite:${join(dir, 'lp.db')}`)
    await old.migrateUp()
    await old.settings.setSetting('secret', 'the-secret-an-earlier-version-stored')
    await old.close()

    const lines: string[] = []
    const lp = await start({}, lines)
    const file = join(dir, 'secret')
    expect(readFileSync(file, 'utf8').trim()).toBe('the-secret-an-earlier-version-stored')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(await lp.storage.settings.getSetting('secret')).not.toContain('the-secret-an-earlier-version-stored')
    expect(lines.join('\n')).toMatch(/SECRET MOVED: .* now in .*secret \(mode 0600\) and no longer in the database/)
    // Cookies and keys derive from the same secret as before: the device cookie an earlier start signed still verifies.
    expect(lp.keys.cookie.equals((await import('../../src/config/secret-keys.js')).deriveSecretKeys('the-secret-an-earlier-version-stored').cookie)).toBe(true)
  })

  it('refuses a SECRET_FILE others can read, and an instance without the file once another moved it', { timeout: 60_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'linkprint-secret-'))
    const loose = join(dir, 'loose')
    writeFileSync(loose, 'a-long-enough-secret-value\n', { mode: 0o644 })
    await expect(start({ SECRET_FILE: loose })).rejects.toThrow(/readable by others.*chmod 600/)
    await start({})
    await open.splice(0)[0]!.close()
    await expect(start({ SECRET_FILE: join(dir, 'elsewhere') })).rejects.toThrow(/moved out of the database.*does not exist here/)
  })

  it('a read-only copy of the database mints no token: no key in it signs one, and the signing key alone cannot name a session', { timeout: 60_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'linkprint-secret-'))
    const lp = await start({ ADMIN_EMAIL: 'admin@example.com' })
    const admin = await lp.auth.createUser('admin@example.com', PASSWORD, true)
    const app = await buildApp(lp)
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'admin@example.com', password: PASSWORD } })
    expect(login.statusCode).toBe(200)
    const me = (token: string) => app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } })
    expect((await me(login.json().token)).statusCode).toBe(200)

    // The attacker's copy, opened read-only: every value it holds.
    const live = new Database(join(dir, 'lp.db'))
    live.pragma('wal_checkpoint(TRUNCATE)')
    live.close()
    copyFileSync(join(dir, 'lp.db'), join(dir, 'copy.db'))
    const copy = new Database(join(dir, 'copy.db'), { readonly: true })
    const settings = copy.prepare('SELECT value FROM settings').pluck().all() as string[]
    const sessions = copy.prepare('SELECT id_hash FROM sessions WHERE user_id = ?').pluck().all(admin.id) as string[]
    copy.close()
    expect(sessions.length).toBeGreaterThan(0)
    const forge = (key: Uint8Array, kid: string, sid: string) =>
      new SignJWT({ sid }).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid }).setSubject(String(admin.id)).setIssuer('linkprint').setIssuedAt().setExpirationTime('10m').sign(key)
    // Every setting tried as the secret (as the secret itself once was one of them).
    for (const candidate of settings) {
      const { current } = TokenKeyring.fromSecrets(candidate)
      for (const sid of sessions) expect((await me(await forge(current.key, current.kid, sid))).statusCode).toBe(401)
    }
    // Even the real signing key (ACCESS_TOKEN_SECRET leaked apart from SECRET) cannot name a session with what the database holds.
    const real = TokenKeyring.fromSecrets(readFileSync(join(dir, 'secret'), 'utf8').trim()).current
    for (const sid of sessions) expect((await me(await forge(real.key, real.kid, sid))).statusCode).toBe(401)
    await app.close()
  })
})
