import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openRepositories } from '../../src/storage/open-repositories.js'
import { health, startClickLoad, waitFor } from '../helpers/click-load.js'
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js'
import { DIALECTS } from '../helpers/test-databases.js'

/** Writes zeros until the file system says ENOSPC; returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler')
  const fd = openSync(path, 'w')
  try {
    for (const size of [1 << 20, 1 << 16, 1 << 12, 512]) {
      const chunk = Buffer.alloc(size)
      try {
        for (;;) writeSync(fd, chunk)
      } catch (error) {
        if ((error as { code?: string }).code !== 'ENOSPC') throw error
      }
    }
  } finally {
    closeSync(fd)
  }
  return path
}

// Mounting needs root (CI runs as root); elsewhere the suite says why it skipped, except under CI where it must run.
const canMount = process.getuid?.() === 0 || process.env.CI === 'true'

describe.skipIf(!DIALECTS.includes('sqlite') || !canMount)('SQLite on a disk that fills up, the service as a real process', () => {
  let dir: string | undefined
  let server: ServerProcess | undefined
  afterEach(async () => {
    if (server?.alive()) server.child.kill('SIGKILL')
    await server?.exited
    if (dir) {
      execFileSync('umount', [dir])
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a full disk, then freed: the process lives, health says 503, API answers 503, and every answered redirect is stored', { timeout: 120_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'linkprint-full-'))
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dir])
    const url = `sqlite:${join(dir, 'linkprint.db')}`
    server = await startServerProcess({ DATABASE_URL: url })
    const s = server
    const api = (path: string, init: RequestInit = {}) => fetch(s.baseUrl + path, { ...init, headers: { authorization: `Bearer ${s.adminKey}`, 'content-type': 'application/json' }, signal: AbortSignal.timeout(30_000) })
    expect((await api('/api/links', { method: 'POST', body: JSON.stringify({ url: 'https://example.org/', slug: 'load' }) })).status).toBe(201)

    const load = startClickLoad(s.baseUrl, 'load', 16)
    await waitFor('some clicks answered', () => load.answered >= 300)
    const filler = fill(dir)
    await waitFor('/healthz/ready to say 503', async () => (await health(s.baseUrl, '/healthz/ready')).status === 503, 60_000)
    const ready = await health(s.baseUrl, '/healthz/ready')
    expect(ready.body.reason).toMatch(/click writes failing.*SQLITE_FULL/)
    expect((await health(s.baseUrl, '/healthz')).status).toBe(503)
    expect((await health(s.baseUrl, '/healthz/live')).status).toBe(200)
    const created = await api('/api/links', { method: 'POST', body: JSON.stringify({ url: 'https://example.org/b', slug: 'while-full' }) })
    expect(created.status).toBe(503)
    expect(created.headers.get('retry-after')).not.toBeNull()
    expect(((await created.json()) as { error: { code: string } }).error.code).toBe('DATABASE_UNAVAILABLE')
    const whileFull = load.answered
    await waitFor('redirects answered while the disk is full', () => load.answered >= whileFull + 300)

    unlinkSync(filler)
    await waitFor('/healthz/ready to recover', async () => (await health(s.baseUrl, '/healthz/ready')).status === 200, 60_000)
    const answered = await load.stop()
    expect(s.alive()).toBe(true)
    expect(load.others['500'] ?? 0).toBe(0)
    const storage = openRepositories(url)
    try {
      await waitFor('every answered click stored', async () => (await storage.clicks.countClicks()) >= answered, 60_000, 200)
      expect(await storage.clicks.countClicks()).toBe(answered)
    } finally {
      await storage.close()
    }
    s.child.kill('SIGTERM')
    expect(await s.exited).toBe(0)
  })
})
