/**
 * Bulk import of 100 000 CSV lines, on SQLite and PostgreSQL:
 *   npx tsx bench/import.ts [--lines 100000] [--dialects sqlite,postgres]
 *
 * Writes a CSV (every column, a tenth of the lines with tags, expiry and limit), then
 * imports it in a fresh child process per dialect through the import job, as
 * POST /api/links/import and `linkprint links import` run it, into a new database. Each
 * child reports its CPU time (process.cpuUsage, the machine being shared), its wall time,
 * and its peak resident memory (resourceUsage().maxRSS) against the same process's RSS
 * before the import, so what the import holds shows apart from the service's own.
 */
import { spawnSync } from 'node:child_process'
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { lines: { type: 'string', default: '100000' }, dialects: { type: 'string', default: 'sqlite,postgres' }, child: { type: 'string' }, file: { type: 'string' } } })

if (values.child) {
  const { loadConfig } = await import('../src/config/config.js')
  const { createLinkprint } = await import('../src/linkprint.js')
  const { importLinks } = await import('../src/jobs/import/import-links.js')
  const { IMPORT_READERS } = await import('../src/jobs/import/import-readers.js')
  const { createTestDatabase } = await import('../test/helpers/test-databases.js')
  const db = await createTestDatabase(values.child as 'sqlite' | 'postgres')
  const linkprint = await createLinkprint(loadConfig({ DATABASE_URL: db.url, SECRET: 'bench-secret-bench-secret', GEOIP_DB: 'off', PUBLIC_URL: 'https://sho.rt' }))
  const owner = await linkprint.auth.createUser('bench@example.com', 'bench password', false)
  const rssBefore = process.memoryUsage().rss
  const cpu = process.cpuUsage()
  const started = performance.now()
  const result = await importLinks({ input: createReadStream(values.file!), reader: IMPORT_READERS.linkprint, owner, links: linkprint.links, batches: linkprint.storage.linkBatches })
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  console.log(JSON.stringify({ ...result, failed: result.failed.length, seconds, cpuSeconds: (used.user + used.system) / 1e6, rssBeforeMb: rssBefore / 2 ** 20, peakRssMb: process.resourceUsage().maxRSS / 1024 }))
  await linkprint.close()
  await db.drop()
  process.exit(0)
}

const lines = Number(values.lines)
const dir = mkdtempSync(join(tmpdir(), 'linkprint-import-bench-'))
const file = join(dir, 'links.csv')
const out = createWriteStream(file)
const future = new Date(Date.now() + 365 * 86_400_000).toISOString()
out.write('url,slug,tags,expiresAt,maxClicks,redirectStatus,domain\n')
for (let i = 0; i < lines; i++) {
  const extra = i % 10 === 0 ? `"news, spring",${future},1000,301` : ',,,'
  if (!out.write(`https://example.org/articles/${i}?utm_source=newsletter&utm_medium=email,imp-${i},${extra},\n`)) await once(out, 'drain')
}
out.end()
await once(out, 'finish')

console.log(`import of ${lines} CSV lines, one child process per dialect`)
console.log('dialect   created  skipped  wall s  CPU s  lines/CPU s  RSS before → peak MB')
for (const dialect of values.dialects!.split(',')) {
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'bench/import.ts', '--child', dialect, '--file', file], { encoding: 'utf8', maxBuffer: 1 << 24 })
  const line = child.stdout.trim().split('\n').at(-1) ?? ''
  if (child.status !== 0 || !line.startsWith('{')) {
    console.log(`${dialect}: failed\n${child.stderr}`)
    continue
  }
  const r = JSON.parse(line) as { created: number; skipped: number; seconds: number; cpuSeconds: number; rssBeforeMb: number; peakRssMb: number }
  console.log(`${dialect.padEnd(9)} ${String(r.created).padStart(7)}  ${String(r.skipped).padStart(7)}  ${r.seconds.toFixed(1).padStart(6)}  ${r.cpuSeconds.toFixed(1).padStart(5)}  ${Math.round(lines / r.cpuSeconds).toString().padStart(11)}  ${r.rssBeforeMb.toFixed(0)} → ${r.peakRssMb.toFixed(0)}`)
}
rmSync(dir, { recursive: true, force: true })
