import { loadConfig } from '../config/config.js'
import { AppError } from '../errors.js'
import { createLinkprint, type Linkprint } from '../linkprint.js'
import type { User } from '../storage/storage.js'

/** Runs a command against the configured database and always closes it. */
export async function withLinkprint<T>(env: NodeJS.ProcessEnv, run: (linkprint: Linkprint) => Promise<T>): Promise<T> {
  // These commands resolve no click: the identity engine's memory is not reloaded for them.
  const linkprint = await createLinkprint(loadConfig(env), { restore: false })
  try {
    return await run(linkprint)
  } finally {
    await linkprint.close()
  }
}

/** The user a command acts as: --user, or the first admin. */
export async function actingUser(linkprint: Linkprint, email: string | undefined): Promise<User> {
  if (email) {
    const user = await linkprint.storage.users.findUserByEmail(email.trim().toLowerCase())
    if (!user) throw new AppError('VALIDATION_FAILED', `No user has the email ${email}`)
    return user
  }
  const admin = await linkprint.storage.users.findUserById(1)
  if (admin) return admin
  throw new AppError('VALIDATION_FAILED', 'No user yet: run `linkprint user add <email> --admin` or start the server once')
}
