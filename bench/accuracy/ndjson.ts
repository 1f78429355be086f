import { readFileSync, writeFileSync } from 'node:fs'

/**
 * Newline-delimited JSON, the format of replay events, truth and decisions.
 * Blank lines are skipped; a malformed line is an error naming its number,
 * because a silently dropped line would silently change a score.
 */
export const ndjson = {
  parse<T>(text: string, source = 'input'): T[] {
    const out: T[] = []
    const lines = text.split('\n')
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim()
      if (!line) continue
      try {
        out.push(JSON.parse(line) as T)
      } catch (e) {
        throw new Error(`${source}:${i + 1}: not JSON (${(e as Error).message})`)
      }
    }
    return out
  },
  read<T>(path: string): T[] {
    return ndjson.parse<T>(readFileSync(path, 'utf8'), path)
  },
  write(path: string, rows: readonly unknown[]): void {
    writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''))
  },
}
