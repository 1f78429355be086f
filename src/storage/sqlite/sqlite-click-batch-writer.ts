import { once } from 'node:events'
import { Worker } from 'node:worker_threads'
import type Database from 'better-sqlite3'
import type { Kysely } from 'kysely'
import type { Database as Tables } from '../database.js'
import { encodeInParts } from '../click-columns.js'
import type { ClickBatchWriter } from '../linkprint-dialect.js'
import { packClickBatch, transferablesOf } from './packed-click-batch.js'
import { LinkOwners } from '../rollups/rollup-maintenance.js'
import { encodeClickBatch, sqliteClickInserter, writeSqliteBatch, type SqliteClickInserter } from './sqlite-click-inserter.js'

function spawnWorker(path: string): Worker {
  const self = new URL(import.meta.url)
  if (!self.pathname.endsWith('.ts')) return new Worker(new URL('./sqlite-click-worker.js', self), { workerData: { path } })
  // Running from source (tests, benchmarks under tsx): the worker is TypeScript too and
  // loaders are not inherited by workers, so it registers tsx before importing itself.
  const entry = JSON.stringify(new URL('./sqlite-click-worker.ts', self).href)
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${entry}) })`, { eval: true, workerData: { path } })
}

/**
 * SQLite's bulk click path. A file database is written by a worker thread with its own
 * connection (WAL lets it commit beside the main connection's readers); `:memory:`
 * cannot be shared across connections, so there it runs in-thread under Kysely's lock.
 */
export function sqliteClickBatchWriter(path: string, database: Database.Database): ClickBatchWriter {
  if (path === ':memory:') {
    let insert: SqliteClickInserter | undefined
    const owners = new LinkOwners()
    return {
      // Kysely's connection lock: no other query of the main connection runs inside the batch's transaction.
      write: (db: Kysely<Tables>, records) =>
        db.connection().execute(async () => {
          insert ??= sqliteClickInserter(database)
          await writeSqliteBatch(insert, [encodeClickBatch(records)], owners)
        }),
      close: async () => {},
    }
  }

  let worker: Worker | undefined
  let nextId = 0
  const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>()
  const start = () => {
    const w = spawnWorker(path)
    w.on('message', ({ id, error }: { id: number; error: string | null }) => {
      const waiter = pending.get(id)
      pending.delete(id)
      if (error === null) waiter?.resolve()
      else waiter?.reject(new Error(`click batch failed: ${error}`))
    })
    w.on('error', (error) => {
      for (const waiter of pending.values()) waiter.reject(error)
      pending.clear()
      worker = undefined
    })
    return w
  }
  return {
    async write(_db, records) {
      worker ??= start()
      const target = worker
      const parts = await encodeInParts(records, packClickBatch)
      const id = nextId++
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject })
        target.postMessage({ id, parts }, parts.flatMap(transferablesOf))
      })
    },
    async close() {
      if (!worker) return
      const exited = once(worker, 'exit')
      worker.postMessage('close')
      await exited
      worker = undefined
    },
  }
}
