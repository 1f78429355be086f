import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import { parse, type CsvError } from 'csv-parse'
import { AppError } from '../../errors.js'
import { BoundedLines } from './bounded-lines.js'
import type { ImportReader } from './import-readers.js'
import { IMPORT_COLUMNS, type ImportColumn, type ImportFailure, type ImportItem } from './import-row.js'

/** Longest line read; a longer one fails alone (LINE_TOO_LONG). */
export const MAX_LINE_BYTES = 16 * 1024

/**
 * The lines of an import as they stream in, each a row of fields or a failure, in order
 * (failures found by the parser are given as soon as it reports them). Memory: a line, the
 * parser's buffer and the queue of failures, whatever the size of the input.
 */
export function importItems(input: Readable, reader: ImportReader): AsyncGenerator<ImportItem> {
  if (reader.format === 'csv') return csvItems(input, reader)
  if (reader.format === 'ndjson') return ndjsonItems(input, reader)
  return jsonOrNdjsonItems(input, reader)
}

async function* csvItems(input: Readable, reader: ImportReader): AsyncGenerator<ImportItem> {
  const pending: ImportFailure[] = []
  const tooLong = (line: number) => pending.push({ line, code: 'LINE_TOO_LONG', message: `line ${line} is longer than ${MAX_LINE_BYTES} bytes` })
  let headerError: AppError | undefined
  const parser = parse({
    bom: true,
    skip_empty_lines: true,
    trim: true,
    info: true,
    skip_records_with_error: true,
    columns: (header: string[]) => {
      if (reader.fieldsOf !== null) return header.map((h) => h.trim())
      try {
        return strictColumns(header)
      } catch (error) {
        headerError = error as AppError
        throw error
      }
    },
  })
  parser.on('skip', (error: CsvError & { lines?: number }) => pending.push({ line: error.lines ?? 0, code: 'INVALID_CSV', message: error.message.slice(0, 200) }))
  input.on('error', (error) => parser.destroy(error))
  const lines = input.pipe(new BoundedLines(MAX_LINE_BYTES, tooLong)).pipe(parser)
  try {
    for await (const { record, info } of lines as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      while (pending.length > 0) yield pending.shift()!
      yield { line: info.lines, fields: reader.fieldsOf ? reader.fieldsOf(record) : record }
    }
  } catch (error) {
    if (headerError) throw headerError
    if ((error as CsvError).code?.startsWith('CSV_')) throw new AppError('INVALID_CSV', (error as Error).message.slice(0, 200))
    throw error
  }
  while (pending.length > 0) yield pending.shift()!
}

/** linkprint's header: its own column names (any case), each at most once, `url` among them. */
function strictColumns(header: string[]): ImportColumn[] {
  const byLower = new Map(IMPORT_COLUMNS.map((c) => [c.toLowerCase(), c]))
  const columns = header.map((name) => {
    const column = byLower.get(name.trim().toLowerCase())
    if (!column) throw new AppError('INVALID_CSV', `Unknown column "${name.slice(0, 60)}" in the header; the columns are ${IMPORT_COLUMNS.join(', ')}`)
    return column
  })
  if (new Set(columns).size !== columns.length) throw new AppError('INVALID_CSV', 'A column is named twice in the header')
  if (!columns.includes('url')) throw new AppError('INVALID_CSV', 'The header has no url column')
  return columns
}

async function* ndjsonItems(input: Readable, reader: ImportReader, firstLine = 1): AsyncGenerator<ImportItem> {
  const pending: ImportFailure[] = []
  const bounded = new BoundedLines(MAX_LINE_BYTES, (line) => pending.push({ line: line + firstLine - 1, code: 'LINE_TOO_LONG', message: `line ${line + firstLine - 1} is longer than ${MAX_LINE_BYTES} bytes` }))
  input.on('error', (error) => bounded.destroy(error))
  const lines = createInterface({ input: input.pipe(bounded), crlfDelay: Infinity })
  let line = firstLine - 1
  for await (const text of lines) {
    line++
    while (pending.length > 0) yield pending.shift()!
    if (text.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      yield { line, code: 'INVALID_JSON', message: `line ${line} is not JSON` }
      continue
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { line, code: 'VALIDATION_FAILED', message: `line ${line} is not a JSON object` }
      continue
    }
    const record = value as Record<string, unknown>
    if (reader.fieldsOf === null) {
      const unknown = Object.keys(record).find((k) => !(IMPORT_COLUMNS as readonly string[]).includes(k))
      if (unknown !== undefined) {
        yield { line, code: 'VALIDATION_FAILED', message: `unknown field "${unknown.slice(0, 60)}"` }
        continue
      }
    }
    yield { line, fields: reader.fieldsOf ? reader.fieldsOf(record) : record }
  }
  while (pending.length > 0) yield pending.shift()!
}

/**
 * A JSON export (an array of links, or an API answer with them under `data`) read whole,
 * up to 100 MB; or, when its first character is not `[` or `{`-then-`"data"`, one link a line.
 */
async function* jsonOrNdjsonItems(input: Readable, reader: ImportReader): AsyncGenerator<ImportItem> {
  const chunks: Buffer[] = []
  let size = 0
  input.on('data', (chunk: Buffer) => {
    size += chunk.length
    if (size > 100 * 1024 * 1024) input.destroy(new AppError('IMPORT_TOO_LARGE', 'A JSON export is read whole: at most 100 MB (NDJSON streams)'))
    else chunks.push(chunk)
  })
  await once(input, 'end')
  const text = Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '')
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    yield* ndjsonItems(Readable.from([text]), reader)
    return
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { data?: unknown } | null)?.data
  if (!Array.isArray(list)) throw new AppError('VALIDATION_FAILED', 'The JSON is neither an array of links nor an object with a "data" array')
  for (const [index, item] of list.entries()) {
    if (typeof item !== 'object' || item === null) yield { line: index + 1, code: 'VALIDATION_FAILED', message: `item ${index + 1} is not an object` }
    else yield { line: index + 1, fields: reader.fieldsOf ? reader.fieldsOf(item as Record<string, unknown>) : (item as Record<string, unknown>) }
  }
}
