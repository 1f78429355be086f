import { parseArgs } from 'node:util'
import { randomBytes } from 'node:crypto'
import type { Command } from './main.js'
import { withLinkprint } from './open-linkprint.js'

export const userCommand: Command = async (args, io) => {
  const [sub, ...rest] = args
  const { values, positionals } = parseArgs({ args: rest, options: { admin: { type: 'boolean' }, password: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true })
  const [email] = positionals
  if (sub !== 'add' || !email || positionals.length > 1) {
    io.err('Usage: linkprint user add <email> [--admin] [--password p]')
    return 2
  }
  return withLinkprint(io.env, async (lp) => {
    const password = values.password ?? randomBytes(12).toString('base64url')
    const user = await lp.auth.createUser(email, password, values.admin ?? false)
    const { key } = await lp.auth.issueApiKey(user.id, 'cli')
    if (values.json) io.out(JSON.stringify({ id: user.id, email: user.email, isAdmin: user.isAdmin, apiKey: key, ...(values.password ? {} : { password }) }))
    else {
      io.out(`created ${user.isAdmin ? 'admin' : 'user'} ${user.email}`)
      if (!values.password) io.out(`password: ${password}`)
      io.out(`API key:  ${key}  (shown once)`)
    }
    return 0
  })
}
