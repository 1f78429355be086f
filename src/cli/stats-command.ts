import { parseArgs } from 'node:util'
import { statsJson } from '../http/plugins/analytics-plugin.js'
import type { Command } from './main.js'
import { withLinkprint } from './open-linkprint.js'
import { table } from './table.js'

export const statsCommand: Command = async (args, io) => {
  const { values, positionals } = parseArgs({ args: args, options: { json: { type: 'boolean' } }, allowPositionals: true })
  const [slug] = positionals
  return withLinkprint(io.env, async (lp) => {
    const all = (await lp.storage.analytics.allLinkStats({})).map(statsJson)
    const rows = slug === undefined ? all : all.filter((s) => s.slug === slug)
    if (slug !== undefined && rows.length === 0) {
      io.err(`linkprint: no link has the slug "${slug}" (LINK_NOT_FOUND)`)
      return 1
    }
    if (values.json) io.out(JSON.stringify(slug === undefined ? rows : rows[0]))
    else {
      io.out(table(
        ['slug', 'clicks', 'browsers', 'devices', 'confidence', 'bots'],
        rows.map((s) => [s.slug, String(s.clicks), String(s.browserUniqueClicks), String(s.deviceUniqueClicks), s.avgConfidence === null ? '-' : String(s.avgConfidence), String(s.botClicks)]),
      ))
    }
    return 0
  })
}
