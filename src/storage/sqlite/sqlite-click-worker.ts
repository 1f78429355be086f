import { parentPort, workerData } from 'node:worker_threads'
import { openSqliteDatabase } from './open-sqlite-database.js'
import { unpackClickBatch, type PackedClickBatch } from './packed-click-batch.js'
import { sqliteClickInserter, type EncodedClickBatch } from './sqlite-click-inserter.js'

// The click writer's thread: its own connection to the same file, so a batch's ~3 µs a
// click of SQLite work never runs on the thread that answers redirects.
const database = openSqliteDatabase((workerData as { path: string }).path)
let insert: ((parts: readonly EncodedClickBatch[]) => void) | undefined

parentPort!.on('message', (message: { id: number; parts: PackedClickBatch[] } | 'close') => {
  if (message === 'close') {
    database.close()
    parentPort!.close()
    return
  }
  try {
    // Prepared on first use: the main thread runs the migrations before the first click.
    insert ??= sqliteClickInserter(database)
    insert(message.parts.map(unpackClickBatch))
    parentPort!.postMessage({ id: message.id, error: null })
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error) })
  }
})
