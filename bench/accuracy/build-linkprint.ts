import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

/**
 * `bin/linkprint.js` runs the compiled `dist/`, so the benchmark builds
 * first (`tsc -p tsconfig.build.json`, then the browser scripts' bundles, what
 * `npm run build` does: the service will not start without them) to score
 * the code as it is now rather than a stale build. Type errors elsewhere do
 * not stop tsc from emitting, so only a missing output counts as a failure;
 * the reason is returned, never thrown.
 */
export function buildLinkprint(root = '.'): { ok: true } | { ok: false; reason: string } {
  const dir = resolve(root)
  const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc')
  if (!existsSync(join(dir, 'tsconfig.build.json'))) return { ok: false, reason: 'no tsconfig.build.json' }
  if (!existsSync(tsc)) return { ok: false, reason: 'typescript not installed' }
  const res = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: dir, encoding: 'utf8', timeout: 5 * 60_000 })
  if (res.error) return { ok: false, reason: `build: ${res.error.message}` }
  if (!existsSync(join(dir, 'dist', 'cli', 'run.js')) && !existsSync(join(dir, 'dist', 'index.js'))) {
    const first = (res.stdout || res.stderr).split('\n').find((l) => l.trim()) ?? 'no output'
    return { ok: false, reason: `build produced no dist/ (${first.slice(0, 160)})` }
  }
  const bundler = join(dir, 'dist', 'sdk', 'build-browser-scripts.js')
  if (existsSync(bundler)) {
    const bundled = spawnSync(process.execPath, [bundler], { cwd: dir, encoding: 'utf8', timeout: 5 * 60_000 })
    if (bundled.error || bundled.status !== 0) return { ok: false, reason: `browser scripts: ${bundled.error?.message ?? (bundled.stderr || bundled.stdout).trim().slice(0, 160)}` }
  }
  return { ok: true }
}
