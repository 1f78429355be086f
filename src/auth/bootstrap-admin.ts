import { randomBytes } from 'node:crypto'
import type { Linkprint } from '../linkprint.js'

/**
 * First start: with no user at all, create the admin (ADMIN_EMAIL/ADMIN_PASSWORD, or a
 * generated password) and an API key, and say them once. Later starts do nothing.
 */
export async function bootstrapAdmin(linkprint: Linkprint, print: (line: string) => void): Promise<boolean> {
  if ((await linkprint.storage.users.countUsers()) > 0) return false
  const email = linkprint.config.adminEmail ?? 'admin@localhost'
  const password = linkprint.config.adminPassword ?? randomBytes(12).toString('base64url')
  let user
  try {
    user = await linkprint.auth.createUser(email, password, true)
  } catch (error) {
    // Another instance on the same database won the race: it printed the credentials.
    if ((await linkprint.storage.users.countUsers()) > 0) return false
    throw error
  }
  const { key } = await linkprint.auth.issueApiKey(user.id, 'bootstrap')
  print('')
  print('  linkprint: created the first admin account (shown once, keep it safe)')
  print(`    email:    ${user.email}`)
  if (!linkprint.config.adminPassword) print(`    password: ${password}`)
  print(`    API key:  ${key}`)
  print('')
  return true
}
