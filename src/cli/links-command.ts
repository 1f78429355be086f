import { parseArgs } from 'node:util'
import { loadConfig } from '../config/config.js'
import { linkJson } from '../http/link-json.js'
import type { Command } from './main.js'
import { actingUser, withLinkprint } from './open-linkprint.js'
import { linksImportCommand } from './links-import-command.js'
import { table } from './table.js'

export const linksCommand: Command = async (args, io) => {
  const [sub, ...rest] = args
  if (sub === 'import') return linksImportCommand(rest, io, io.env)
  const { values, positionals } = parseArgs({ args: rest, options: { slug: { type: 'string' }, user: { type: 'string' }, 'redirect-mode': { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true })
  const baseUrl = loadConfig(io.env).publicUrl ?? `http://localhost:${io.env.PORT ?? 3000}`
  if (sub === 'add') {
    const [url] = positionals
    if (!url || positionals.length > 1) {
      io.err('Usage: linkprint links add <url> [--slug s] [--user email] [--redirect-mode direct|bridge]')
      return 2
    }
    const mode = values['redirect-mode']
    if (mode !== undefined && mode !== 'direct' && mode !== 'bridge') {
      io.err(`--redirect-mode must be direct or bridge, got "${mode}"`)
      return 2
    }
    return withLinkprint(io.env, async (lp) => {
      const link = await lp.links.create(await actingUser(lp, values.user), { url, ...(values.slug !== undefined && { slug: values.slug }), ...(mode !== undefined && { redirectMode: mode }) })
      const json = linkJson(link, baseUrl)
      io.out(values.json ? JSON.stringify(json) : json.shortUrl)
      return 0
    })
  }
  if (sub === 'list') {
    return withLinkprint(io.env, async (lp) => {
      const user = await actingUser(lp, values.user)
      const links = await lp.links.list(user, { limit: Number(values.limit ?? 1000), all: values.user === undefined })
      const rows = links.map((l) => linkJson(l, baseUrl))
      if (values.json) io.out(JSON.stringify(rows))
      else io.out(table(['slug', 'clicks', 'url'], rows.map((r) => [r.slug, String(r.clicks), r.url])))
      return 0
    })
  }
  io.err('Usage: linkprint links add <url> [--slug s] | linkprint links list | linkprint links import <file>')
  return 2
}
