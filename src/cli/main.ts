import { AppError } from '../errors.js'
import { describeFailure } from './describe-failure.js'
import { linksCommand } from './links-command.js'
import { migrateCommand } from './migrate-command.js'
import { replayCommand } from './replay-command.js'
import { retentionCommand } from './retention-command.js'
import { serveCommand } from './serve-command.js'
import { statsCommand } from './stats-command.js'
import { userCommand } from './user-command.js'

export type Command = (args: string[], io: CliIo) => Promise<number>

export interface CliIo {
  out(line: string): void
  err(line: string): void
  env: NodeJS.ProcessEnv
}

const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  migrate: migrateCommand,
  links: linksCommand,
  user: userCommand,
  stats: statsCommand,
  replay: replayCommand,
  retention: retentionCommand,
}

const USAGE = `Usage: linkprint <command> [options]

Commands:
  serve                         start the HTTP service (PORT, HOST, DATABASE_URL, …)
  migrate [--down] [--status]   apply pending migrations, roll back one step, or list them
  links add <url> [--slug s] [--user email] [--json]
  links list [--user email] [--json]
  links import <file> [--from bitly|shlink|kutt|yourls] [--user email] [--domain host] [--json]
                                bulk import (CSV with a header, NDJSON, or another shortener's export)
  user add <email> [--admin] [--password p] [--json]
  stats [<slug>] [--json]       clicks and unique visitors per link
  replay <events.ndjson> [--decisions out.ndjson]
                                feed recorded requests through the click pipeline
  retention [--dry-run] [--days N] [--json]
                                delete clicks and identity rows older than RETENTION_DAYS

Environment variables are listed in the README.`

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE)
    return name ? 0 : 1
  }
  const command = COMMANDS[name]
  if (!command) {
    io.err(`linkprint: unknown command "${name}"\n\n${USAGE}`)
    return 2
  }
  try {
    return await command(rest, io)
  } catch (error) {
    if (error instanceof AppError) {
      io.err(`linkprint: ${error.message} (${error.code})`)
      return 1
    }
    if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`linkprint ${name}: ${error.message}`)
      return 2
    }
    const failure = describeFailure(error)
    if (failure === null) throw error
    io.err(`linkprint ${name}: ${failure}`)
    return 1
  }
}

