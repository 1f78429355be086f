import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { CookieJar } from 'tough-cookie'
import { simulate, type SimulateOptions } from '../../bench/accuracy/simulate.js'
import { loadConfig } from '../../src/config/config.js'
import { buildApp } from '../../src/http/app.js'
import { statsJson } from '../../src/http/plugins/analytics-plugin.js'
import { createLinkprint, type Linkprint, type LinkprintOptions } from '../../src/linkprint.js'
import { ReplayClock } from '../../src/replay/replay-clock.js'
import { replay, type ReplayDecision } from '../../src/replay/replay.js'
import type { User } from '../../src/storage/storage.js'

export interface ReplayService {
  readonly linkprint: Linkprint
  readonly app: FastifyInstance
  readonly clock: ReplayClock
  /** An API key of the replay's admin user. */
  readonly adminKey: string
  /** Replays a file through the server; the same `jars` map carries the browsers' cookies over a restart. */
  run(file: string, jars?: Map<string, CookieJar>): Promise<ReplayDecision[]>
  /** Every link's stats (the stats API's shape), by slug. */
  stats(): Promise<Array<ReturnType<typeof statsJson>>>
  close(): Promise<void>
}

/** The server as `linkprint replay` runs it (full privacy mode, so the SDK's headers count), on a database the caller owns. */
export async function openReplayService(databaseUrl: string, options: LinkprintOptions = {}, env: NodeJS.ProcessEnv = {}): Promise<ReplayService> {
  const clock = new ReplayClock()
  const config = loadConfig({ DATABASE_URL: databaseUrl, SECRET: 'replay-secret-replay-secret', PRIVACY_MODE: 'full', GEOIP_DB: 'off', ...env })
  const linkprint = await createLinkprint(config, { clock, ...options })
  const app = await buildApp(linkprint)
  await app.ready()
  const owner: User = (await linkprint.storage.users.findUserByEmail('replay@localhost')) ?? (await linkprint.auth.createUser('replay@localhost', 'replay password', true))
  const { key: adminKey } = await linkprint.auth.issueApiKey(owner.id, 'test')
  return {
    linkprint, app, clock, adminKey,
    async run(file, jars) {
      const decisions: ReplayDecision[] = []
      await replay({ linkprint, app, clock, owner, file, jars, onDecision: (d) => decisions.push(d) })
      return decisions
    },
    async stats() {
      await linkprint.writer.flush()
      return (await linkprint.storage.analytics.allLinkStats({})).map(statsJson).sort((a, b) => a.slug.localeCompare(b.slug))
    },
    async close() {
      await app.close()
      await linkprint.close()
    },
  }
}

/** A simulated traffic file split in two at `at` (0–1 of the clicks); links go in both halves. */
export function simulatedFiles(options: SimulateOptions, at = 0.5): { all: string; first: string; second: string; clicks: number } {
  const sim = simulate(options)
  const dir = mkdtempSync(join(tmpdir(), 'linkprint-sim-'))
  const links = sim.links.map((l) => JSON.stringify(l))
  const clicks = sim.clicks.map((c) => JSON.stringify(c))
  const cut = Math.floor(clicks.length * at)
  const write = (name: string, lines: string[]) => {
    const path = join(dir, name)
    writeFileSync(path, `${lines.join('\n')}\n`)
    return path
  }
  return { all: write('all.ndjson', [...links, ...clicks]), first: write('first.ndjson', [...links, ...clicks.slice(0, cut)]), second: write('second.ndjson', [...links, ...clicks.slice(cut)]), clicks: clicks.length }
}

/** A simulated traffic file cut into consecutive parts at `cuts` (0–1 of the clicks each, ascending); links go in every part. */
export function simulatedParts(options: SimulateOptions, cuts: readonly number[]): string[] {
  const sim = simulate(options)
  const dir = mkdtempSync(join(tmpdir(), 'linkprint-sim-'))
  const links = sim.links.map((l) => JSON.stringify(l))
  const clicks = sim.clicks.map((c) => JSON.stringify(c))
  const bounds = [0, ...cuts.map((at) => Math.floor(clicks.length * at)), clicks.length]
  return bounds.slice(1).map((end, i) => {
    const path = join(dir, `part-${i}.ndjson`)
    writeFileSync(path, `${[...links, ...clicks.slice(bounds[i], end)].join('\n')}\n`)
    return path
  })
}

/**
 * Every human click's final browser and device cluster as storage holds them, in click
 * order, renamed to the order of first appearance: two runs that made the same decisions
 * give equal partitions even though their cookie ids (random) differ.
 */
export async function clusterPartition(linkprint: Linkprint): Promise<{ browsers: number[]; devices: number[] }> {
  await linkprint.writer.flush()
  const roots = { browser: new Map<string, string>(), device: new Map<string, string>() }
  for (let after = ''; ; ) {
    const page = await linkprint.storage.identity.memberships(after, 5_000)
    for (const m of page) {
      roots.browser.set(m.key, m.browserRoot)
      roots.device.set(m.key, m.deviceRoot)
    }
    if (page.length < 5_000) break
    after = page.at(-1)!.key
  }
  const last = await linkprint.storage.identity.lastClickId()
  const sightings = await linkprint.storage.identity.contextSightings(0, last, 1_000_000)
  const canon = (level: 'browser' | 'device') => {
    const names = new Map<string, number>()
    return sightings.map((s) => {
      const root = roots[level].get(s.key) ?? s.key
      let n = names.get(root)
      if (n === undefined) names.set(root, (n = names.size))
      return n
    })
  }
  return { browsers: canon('browser'), devices: canon('device') }
}
