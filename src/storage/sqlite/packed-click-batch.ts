import { CLICK_COLUMNS, CORRELATION_COLUMNS, FINGERPRINT_COLUMNS, humanClicksByLink } from '../click-columns.js'
import type { ClickRecord, NewClick, NewCorrelation, NewFingerprint } from '../storage.js'
import type { EncodedClickBatch } from './sqlite-click-inserter.js'

/** A value's entry in `lengths` when it is not a string: NULL, or a number (the next of `numbers`). */
const NULL = -1
const NUMBER = -2

/** Any character beyond Latin-1: the text then crosses as a string. */
const WIDE = /[^\x00-\xff]/

/**
 * A click batch as it crosses to the SQLite writer's thread: every string value of its
 * rows back to back in one text, and per value its length (or that it is a number or
 * NULL) in a typed array. JSON cost ~2 µs a click on the thread that answers redirects
 * (stringify escapes every quote of the JSON columns inside it) and ~1 µs to parse on the
 * writer's; this holds any string, whatever characters it carries, with no escaping.
 *
 * The text is Latin-1 bytes in a buffer of its own when every character fits (HTTP
 * headers arrive as Latin-1; hashes and the JSON columns are ASCII): its buffer and the
 * typed arrays' are then transferred, not copied — copying the text into the message
 * cost ~0.45 µs a click on the request thread. Otherwise (a replayed event's header with
 * other characters) it crosses as a string.
 */
export interface PackedClickBatch {
  readonly text: string | null
  readonly latin1: ArrayBuffer | null
  readonly lengths: Int32Array
  readonly numbers: Float64Array
  /** Rows of each table, their values in the columns' order (click-columns.ts): clicks, then fingerprints, then correlations. */
  readonly clicks: number
  readonly fingerprints: number
  readonly correlations: number
  readonly humanClicks: EncodedClickBatch['humanClicks']
  readonly moves: EncodedClickBatch['moves']
}

/** A row's values in its columns' order, read by name: `(row, put) => { put(row.link_id); put(row.ts); … }`. */
type RowReader<T> = (row: T, put: (value: unknown) => void) => void

/**
 * Generated from the column lists, so the order cannot drift from them. Named loads on
 * rows of one shape, where `row[name]` over the columns was a megamorphic keyed load per
 * value. Packing batches of 250 clicks on the thread that answers redirects, CPU time,
 * three alternating runs: returning visitors' 2.8–3.2 -> 1.3–2.3 µs a click, new
 * visitors' (with their contexts' rows) 6.7–7.9 -> 6.1–6.9 µs.
 */
function rowReader<T>(columns: readonly string[]): RowReader<T> {
  // The names are the column lists' constants, never input.
  return new Function('row', 'put', columns.map((name) => `put(row.${name});`).join('\n')) as RowReader<T>
}
const readClick = rowReader<NewClick>(CLICK_COLUMNS.map(([name]) => name))
const readFingerprint = rowReader<NewFingerprint>(FINGERPRINT_COLUMNS)
const readCorrelation = rowReader<NewCorrelation>(CORRELATION_COLUMNS)

export function packClickBatch(records: readonly ClickRecord[]): PackedClickBatch {
  let withFingerprint = 0
  for (const r of records) if (r.fingerprint) withFingerprint++
  const lengths = new Int32Array(records.length * CLICK_COLUMNS.length + withFingerprint * (FINGERPRINT_COLUMNS.length + CORRELATION_COLUMNS.length))
  const numbers = new Float64Array(lengths.length)
  const strings: string[] = []
  let at = 0
  let numbered = 0
  const put = (value: unknown) => {
    if (typeof value === 'string') {
      strings.push(value)
      lengths[at++] = value.length
    } else if (typeof value === 'number') {
      numbers[numbered++] = value
      lengths[at++] = NUMBER
    } else if (value === null || value === undefined) lengths[at++] = NULL
    else throw new TypeError(`a click column holds a ${typeof value}: only strings, numbers and null are stored`)
  }
  const moves: EncodedClickBatch['moves'] = []
  for (const r of records) {
    readClick(r.click, put)
    if (r.merges) for (const m of r.merges) moves.push([m.level, m.absorbed, m.into, r.click.ts])
    if (r.reassignments) for (const a of r.reassignments) moves.push(['reassign', a.fingerprintId, a.browserClusterId, a.deviceClusterId, r.click.ts])
  }
  for (const r of records) if (r.fingerprint) readFingerprint(r.fingerprint.row, put)
  for (const r of records) if (r.fingerprint) readCorrelation(r.fingerprint.correlation, put)
  const text = strings.join('')
  let latin1: ArrayBuffer | null = null
  if (!WIDE.test(text)) {
    // Not Buffer.from: a small one shares the pool's buffer, which cannot be transferred.
    const bytes = Buffer.allocUnsafeSlow(text.length)
    bytes.write(text, 0, 'latin1')
    latin1 = bytes.buffer as ArrayBuffer
  }
  return {
    text: latin1 === null ? text : null, latin1, lengths, numbers: numbers.slice(0, numbered),
    clicks: records.length, fingerprints: withFingerprint, correlations: withFingerprint,
    humanClicks: [...humanClicksByLink(records)], moves,
  }
}

/** What postMessage may move rather than copy: the buffers only this batch holds. */
export function transferablesOf(packed: PackedClickBatch): ArrayBuffer[] {
  const out = [packed.lengths.buffer as ArrayBuffer, packed.numbers.buffer as ArrayBuffer]
  if (packed.latin1 !== null) out.push(packed.latin1)
  return out
}

/** The batch as encodeClickBatch gives it, for sqliteClickInserter. */
export function unpackClickBatch(packed: PackedClickBatch): EncodedClickBatch {
  const { lengths, numbers } = packed
  const text = packed.text ?? Buffer.from(packed.latin1!).toString('latin1')
  let at = 0
  let offset = 0
  let numbered = 0
  const rows = (count: number, width: number) => {
    const out: unknown[][] = new Array(count)
    for (let r = 0; r < count; r++) {
      const row: unknown[] = new Array(width)
      for (let c = 0; c < width; c++) {
        const length = lengths[at++]!
        if (length >= 0) {
          row[c] = text.slice(offset, offset + length)
          offset += length
        } else row[c] = length === NUMBER ? numbers[numbered++] : null
      }
      out[r] = row
    }
    return out
  }
  const clicks = rows(packed.clicks, CLICK_COLUMNS.length)
  const fingerprints = rows(packed.fingerprints, FINGERPRINT_COLUMNS.length)
  const correlations = rows(packed.correlations, CORRELATION_COLUMNS.length)
  return { clicks, humanClicks: packed.humanClicks, fingerprints, correlations, moves: packed.moves }
}
