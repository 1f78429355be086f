import type Database from 'better-sqlite3'
import { CLICK_COLUMNS } from '../click-columns.js'

/** A batch as it crosses to the writer thread: rows in CLICK_COLUMNS order, and human clicks per link. */
export interface EncodedClickBatch {
  rows: unknown[][]
  humanClicks: Array<[linkId: number, count: number]>
}

/** One prepared statement run per row, all in one transaction: about 3 µs a click. */
export function sqliteClickInserter(database: Database.Database): (batch: EncodedClickBatch) => void {
  const insert = database.prepare(`INSERT INTO clicks (${CLICK_COLUMNS.map(([c]) => c).join(', ')}) VALUES (${CLICK_COLUMNS.map(() => '?').join(', ')})`)
  const bump = database.prepare('UPDATE links SET click_count = click_count + ? WHERE id = ?')
  return database.transaction((batch: EncodedClickBatch) => {
    for (const row of batch.rows) insert.run(row)
    for (const [linkId, n] of batch.humanClicks) bump.run(n, linkId)
  })
}
