import { Transform, type TransformCallback } from 'node:stream'

const NEWLINE = Buffer.from('\n')

/**
 * Passes a byte stream through line by line, holding at most `maxLineBytes` of a line: a
 * longer line is replaced by an empty one (so later line numbers stay right) and reported.
 * Without it a parser would buffer one endless line whole; csv-parse's own size limit
 * loses every record after the first oversized one.
 */
export class BoundedLines extends Transform {
  readonly #max: number
  readonly #onTooLong: (line: number) => void
  #partial: Buffer[] = []
  #partialLength = 0
  #dropping = false
  #line = 1

  constructor(maxLineBytes: number, onTooLong: (line: number) => void) {
    super()
    this.#max = maxLineBytes
    this.#onTooLong = onTooLong
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const out: Buffer[] = []
    let start = 0
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl + 1)
      if (!this.#dropping && this.#partialLength + piece.length - 1 <= this.#max) out.push(...this.#partial, piece)
      else {
        this.#onTooLong(this.#line)
        out.push(NEWLINE)
      }
      this.#partial = []
      this.#partialLength = 0
      this.#dropping = false
      this.#line++
      start = nl + 1
    }
    const rest = chunk.subarray(start)
    if (!this.#dropping && rest.length > 0) {
      if (this.#partialLength + rest.length > this.#max) {
        this.#dropping = true
        this.#partial = []
        this.#partialLength = 0
      } else {
        this.#partial.push(Buffer.from(rest))
        this.#partialLength += rest.length
      }
    }
    if (out.length > 0) this.push(Buffer.concat(out))
    done()
  }

  override _flush(done: TransformCallback): void {
    if (this.#dropping) this.#onTooLong(this.#line)
    else if (this.#partialLength > 0) this.push(Buffer.concat(this.#partial))
    done()
  }
}
