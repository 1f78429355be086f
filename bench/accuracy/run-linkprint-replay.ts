import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export type ReplayOutcome = { ok: true; ms: number } | { ok: false; reason: string }

/**
 * Runs the real thing — `node bin/linkprint.js replay <events> --decisions
 * <out>` — on a fresh SQLite database in a temporary directory, the same
 * pipeline the server runs. Any failure (no CLI yet, a crash, no decisions
 * written) is returned as a reason, never thrown: the baselines are still
 * worth printing.
 */
export function runLinkprintReplay(eventsPath: string, decisionsPath: string, opts: { root?: string; timeoutMs?: number } = {}): ReplayOutcome {
  const root = resolve(opts.root ?? '.')
  const bin = join(root, 'bin', 'linkprint.js')
  if (!existsSync(bin)) return { ok: false, reason: 'bin/linkprint.js not found' }
  const dir = mkdtempSync(join(tmpdir(), 'linkprint-accuracy-'))
  rmSync(decisionsPath, { force: true })
  const started = Date.now()
  try {
    const res = spawnSync(process.execPath, [bin, 'replay', resolve(eventsPath), '--decisions', resolve(decisionsPath)], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'replay.db')}`, PRIVACY_MODE: 'full', NODE_ENV: process.env.NODE_ENV ?? 'production' },
      encoding: 'utf8',
      timeout: opts.timeoutMs ?? 15 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
    })
    if (res.error) return { ok: false, reason: res.error.message }
    if (res.status !== 0) return { ok: false, reason: `exit ${res.status ?? res.signal}: ${lastLine(res.stderr || res.stdout)}` }
    if (!existsSync(decisionsPath) || statSync(decisionsPath).size === 0) return { ok: false, reason: 'no decisions written' }
    if (!readFileSync(decisionsPath, 'utf8').includes('"deviceId"')) return { ok: false, reason: 'decisions file has no deviceId fields' }
    return { ok: true, ms: Date.now() - started }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean)
  const meaningful = lines.filter((l) => /error|Error|cannot|Cannot|not found|unknown|Unknown/.test(l))
  return (meaningful[0] ?? lines[lines.length - 1] ?? 'no output').slice(0, 200)
}
