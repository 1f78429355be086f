import { createWriteStream, openSync, statSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { loadConfig } from '../config/config.js'
import { buildApp } from '../http/app.js'
import { createLinkprint } from '../linkprint.js'
import { ReplayClock } from '../replay/replay-clock.js'
import { replay } from '../replay/replay.js'
import type { Command } from './main.js'

/** linkprint replay <events.ndjson> [--decisions out.ndjson] — DESIGN.md "Replay". */
export const replayCommand: Command = async (args, io) => {
  const { values, positionals } = parseArgs({ args, options: { decisions: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true })
  const [file] = positionals
  if (!file || positionals.length > 1) {
    io.err('Usage: linkprint replay <events.ndjson> [--decisions out.ndjson]')
    return 2
  }
  // Both files are opened before the database is: a wrong path fails at once, with nothing written.
  if (statSync(file).isDirectory()) throw Object.assign(new Error(`${file} is a directory, not an events file`), { code: 'EISDIR', syscall: 'open' })
  const out = values.decisions ? createWriteStream('', { fd: openSync(values.decisions, 'w') }) : null
  const clock = new ReplayClock()
  let linkprint: Awaited<ReturnType<typeof createLinkprint>> | undefined
  try {
    linkprint = await createLinkprint(loadConfig(replayEnv(io.env)), { clock, shareIdentity: false })
    const owner = (await linkprint.storage.users.findUserByEmail('replay@localhost')) ?? (await linkprint.storage.users.findUserById(1)) ?? (await linkprint.auth.createUser('replay@localhost', `replay-${Date.now()}`, true))
    const app = await buildApp(linkprint)
    await app.ready()
    const summary = await replay({ linkprint, app, clock, owner, file, onDecision: out ? (d) => out.write(`${JSON.stringify(d)}\n`) : undefined })
    await app.close()
    for (const bad of summary.invalid.slice(0, 20)) io.err(`line ${bad.line}: ${bad.error}`)
    if (summary.invalid.length > 20) io.err(`… and ${summary.invalid.length - 20} more invalid lines`)
    const rate = Math.round(summary.clicks / summary.seconds)
    io.err(`replayed ${summary.clicks} clicks (${summary.redirected} redirected) and ${summary.links} new links from ${summary.lines} lines in ${summary.seconds.toFixed(1)} s (${rate} events/s); ${summary.invalid.length} invalid lines`)
    if (values.json) io.out(JSON.stringify({ ...summary, eventsPerSecond: rate }))
    return 0
  } finally {
    if (out) await new Promise((resolve) => out.end(resolve))
    await linkprint?.close()
  }
}

/**
 * A replay file is traffic already recorded, SDK headers included: those were sent by an
 * SDK that collects nothing without consent, GPC or DNT (and a recorded `Sec-GPC`/`DNT`
 * still makes its request strict). So they count unless PRIVACY_MODE says otherwise;
 * `PRIVACY_MODE=balanced` replays as a balanced server would have decided.
 */
function replayEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env.PRIVACY_MODE ? env : { ...env, PRIVACY_MODE: 'full' }
}
