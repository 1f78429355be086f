import { parseArgs } from 'node:util'
import { loadConfig } from '../config/config.js'
import { openRepositories } from '../storage/open-repositories.js'
import type { Command } from './main.js'

export const migrateCommand: Command = async (args, io) => {
  const { values } = parseArgs({ args: args, options: { down: { type: 'boolean' }, status: { type: 'boolean' }, json: { type: 'boolean' } }, allowPositionals: true })
  const storage = openRepositories(loadConfig(io.env).databaseUrl)
  try {
    if (values.down) {
      const name = await storage.migrateDown()
      io.out(name ? `rolled back ${name}` : 'nothing to roll back')
    } else if (!values.status) {
      const applied = await storage.migrateUp()
      io.out(applied.length ? `applied ${applied.join(', ')}` : 'already up to date')
    }
    if (values.status || values.json) {
      const states = await storage.migrations()
      if (values.json) io.out(JSON.stringify(states.map((m) => ({ name: m.name, executedAt: m.executedAt && new Date(m.executedAt).toISOString() }))))
      else for (const m of states) io.out(`${m.executedAt ? 'applied ' : 'pending '} ${m.name}`)
    }
    return 0
  } finally {
    await storage.close()
  }
}
