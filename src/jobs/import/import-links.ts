import type { Readable } from 'node:stream'
import { AppError } from '../../errors.js'
import type { LinkService } from '../../links/link-service.js'
import type { LinkBatchRepository } from '../../storage/link-batch-repository.js'
import type { NewLink, User } from '../../storage/storage.js'
import type { ImportReader } from './import-readers.js'
import { isFailure, linkInputOf, type ImportFailure } from './import-row.js'
import { importItems } from './import-sources.js'

/** Lines an import may have; the rest are not read. */
export const MAX_IMPORT_LINES = 1_000_000
/** Failures listed in the answer; `failedCount` counts them all. */
export const MAX_LISTED_FAILURES = 1_000
/** Links per insert: 10 parameters each, within SQLite's 32 766. */
export const IMPORT_BATCH = 500

export interface ImportResult {
  created: number
  skipped: number
  /** The first MAX_LISTED_FAILURES failures, by line. */
  failed: ImportFailure[]
  failedCount: number
}

export interface ImportOptions {
  input: Readable
  reader: ImportReader
  owner: User
  links: Pick<LinkService, 'prepare' | 'created'>
  batches: Pick<LinkBatchRepository, 'insertLinksSkippingTaken'>
  /** Every link on this short domain (the CLI's --domain), whatever the lines say. */
  domain?: string
  /** The host the request came in on: links may not point back at it. */
  requestHost?: string
  /** Called after each batch with the lines read so far. */
  onProgress?: (progress: { lines: number; created: number; skipped: number; failed: number }) => void
}

/**
 * Bulk import: lines stream in, each is checked as POST /api/links checks a link, and the
 * good ones are inserted IMPORT_BATCH at a time; a slug already on its domain (in the
 * database or earlier in the file) is skipped, so importing a file again changes nothing.
 * A bad line fails alone. Memory stays bounded: one batch and the listed failures.
 */
export async function importLinks(options: ImportOptions): Promise<ImportResult> {
  const result: ImportResult = { created: 0, skipped: 0, failed: [], failedCount: 0 }
  let batch: NewLink[] = []
  let batchKeys = new Set<string>()
  let lines = 0
  const fail = (failure: ImportFailure) => {
    result.failedCount++
    if (result.failed.length < MAX_LISTED_FAILURES) result.failed.push(failure)
  }
  const flush = async () => {
    if (batch.length === 0) return
    const inserted = await options.batches.insertLinksSkippingTaken(batch)
    result.created += inserted.size
    result.skipped += batch.length - inserted.size
    options.links.created(batch.map((l) => ({ domain: l.domain ?? '', slug: l.slug })))
    batch = []
    batchKeys = new Set()
    options.onProgress?.({ lines, created: result.created, skipped: result.skipped, failed: result.failedCount })
  }

  const items = importItems(options.input, options.reader)
  for await (const item of items) {
    lines = Math.max(lines, item.line)
    if (item.line > MAX_IMPORT_LINES) {
      fail({ line: item.line, code: 'IMPORT_TOO_LARGE', message: `lines after ${MAX_IMPORT_LINES} were not read` })
      options.input.destroy()
      break
    }
    if (isFailure(item)) {
      fail(item)
      continue
    }
    try {
      const input = linkInputOf(item.fields)
      if (options.domain !== undefined) input.domain = options.domain
      const link = await options.links.prepare(options.owner, input, options.requestHost)
      const key = `${link.domain ?? ''} ${link.slug}`
      // Twice in one batch: the insert would keep one silently; counted as skipped here.
      if (batchKeys.has(key)) {
        result.skipped++
        continue
      }
      batchKeys.add(key)
      batch.push(link)
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      fail({ line: item.line, code: error.code, message: error.message })
    }
    if (batch.length >= IMPORT_BATCH) await flush()
  }
  await flush()
  result.failed.sort((a, b) => a.line - b.line)
  return result
}
