import { parentPort, workerData } from 'node:worker_threads'
import { LinkOwners } from '../rollups/rollup-maintenance.js'
import { openSqliteDatabase } from './open-sqlite-database.js'
import { unpackClickBatch, type PackedClickBatch } from './packed-click-batch.js'
import { sqliteClickInserter, writeSqliteBatch, type SqliteClickInserter } from './sqlite-click-inserter.js'

// The click writer's thread: its own connection to the same file, so a batch's ~3 µs a
// click of SQLite work never runs on the thread that answers redirects.
const database = openSqliteDatabase((workerData as { path: string }).path)
const owners = new LinkOwners()
let insert: SqliteClickInserter | undefined
/** Batches are written one after the other, as they arrive; close waits for the last. */
let last: Promise<void> = Promise.resolve()

parentPort!.on('message', (message: { id: number; parts: PackedClickBatch[] } | 'close') => {
  if (message === 'close') {
    void last.then(() => {
      database.close()
      parentPort!.close()
    })
    return
  }
  last = last.then(async () => {
    try {
      // Prepared on first use: the main thread runs the migrations before the first click.
      insert ??= sqliteClickInserter(database)
      await writeSqliteBatch(insert, message.parts.map(unpackClickBatch), owners)
      parentPort!.postMessage({ id: message.id, error: null })
    } catch (error) {
      parentPort!.postMessage({ id: message.id, error: error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error) })
    }
  })
})
