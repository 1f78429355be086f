import { createReadStream, statSync } from 'node:fs'
import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import { importLinks } from '../jobs/import/import-links.js'
import { IMPORT_READERS, type ImportReaderName } from '../jobs/import/import-readers.js'
import type { CliIo } from './main.js'
import { actingUser, withLinkprint } from './open-linkprint.js'

const FORMATS = Object.keys(IMPORT_READERS).filter((f) => f !== 'linkprint-ndjson')
export const LINKS_IMPORT_USAGE = `Usage: linkprint links import <file> [--from ${FORMATS.join('|')}] [--user email] [--domain host] [--json]`

/**
 * `linkprint links import <file>`: the import job on a file, linkprint's CSV (or NDJSON,
 * by a .ndjson/.jsonl name) or another shortener's export (`--from`; docs/import.md),
 * with a progress bar on a terminal (by bytes read) and the same report as the API.
 */
export async function linksImportCommand(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { from: { type: 'string' }, user: { type: 'string' }, domain: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true })
  const [file] = positionals
  const from = values.from ?? (file && /\.(nd)?jsonl?$/i.test(file) && !/\.json$/i.test(file) ? 'linkprint-ndjson' : 'linkprint')
  if (!file || positionals.length > 1 || !(from in IMPORT_READERS)) {
    io.err(LINKS_IMPORT_USAGE)
    return 2
  }
  const size = statSync(file).size
  return withLinkprint(env, async (lp) => {
    const owner = await actingUser(lp, values.user)
    const input = createReadStream(file)
    const bar = process.stderr.isTTY && !values.json
      ? new cliProgress.SingleBar({ format: 'import {bar} {percentage}% | {lines} lines | {created} created, {skipped} skipped, {failed} failed', hideCursor: true }, cliProgress.Presets.shades_classic)
      : null
    bar?.start(size, 0, { lines: 0, created: 0, skipped: 0, failed: 0 })
    try {
      const result = await importLinks({
        input,
        reader: IMPORT_READERS[from as ImportReaderName],
        owner,
        links: lp.links,
        batches: lp.storage.linkBatches,
        ...(values.domain !== undefined && { domain: values.domain }),
        onProgress: (p) => bar?.update(input.bytesRead, p),
      })
      bar?.update(size)
      bar?.stop()
      if (values.json) io.out(JSON.stringify(result))
      else {
        io.out(`${result.created} created, ${result.skipped} skipped (slug already there), ${result.failedCount} failed`)
        for (const f of result.failed) io.out(`  line ${f.line}: ${f.code} ${f.message}`)
        if (result.failedCount > result.failed.length) io.out(`  … and ${result.failedCount - result.failed.length} more`)
      }
      return result.failedCount > 0 ? 1 : 0
    } finally {
      bar?.stop()
    }
  })
}
