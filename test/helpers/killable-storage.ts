import type { Repositories } from '../../src/storage/repositories.js'

/**
 * A real storage that can be stopped dead, as a kill -9 stops a process: after kill(),
 * every call but close() fails without reaching the database, so the abandoned service
 * can never write again while its successor works on the same database. `holdWrites(n)`
 * lets the migration job commit n chunks and then parks the next write until released.
 */
export function killableStorage(storage: Repositories) {
  let killed = false
  let insertDelayMs = 0
  let insertGate: Promise<void> | undefined
  let openInserts: (() => void) | undefined
  let allowed = Infinity
  let writes = 0
  let release: (() => void) | undefined
  let parked: Promise<void> | undefined
  let onParked: (() => void) | undefined
  const parkedSignal = new Promise<void>((resolve) => (onParked = resolve))
  const dead = () => Promise.reject(new Error('killed'))
  const call = (target: object, value: (...a: unknown[]) => unknown, args: unknown[]) => (killed ? dead() : value.apply(target, args))
  // Each repository dies with the rest; the migration job's writes and click batches can also be held.
  const repository = (target: object) =>
    new Proxy(target, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target)
        if (typeof value !== 'function') return value
        const fn = value as (...a: unknown[]) => unknown
        if (prop === 'writeRecomputed') {
          return async (...args: unknown[]) => {
            if (killed) return dead()
            if (++writes > allowed) {
              parked ??= new Promise<void>((resolve) => (release = resolve))
              onParked?.()
              await parked
              if (killed) return dead()
            }
            return fn.apply(target, args)
          }
        }
        if (prop === 'insertClicks') {
          return async (...args: unknown[]) => {
            if (insertDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, insertDelayMs))
            await insertGate
            return call(target, fn, args)
          }
        }
        return (...args: unknown[]) => call(target, fn, args)
      },
    })
  const repositories = new Map<PropertyKey, object>()
  const wrapped = new Proxy(storage, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target)
      if (typeof value === 'object' && value !== null) {
        if (!repositories.has(prop)) repositories.set(prop, repository(value))
        return repositories.get(prop)
      }
      if (typeof value !== 'function') return value
      if (prop === 'close') return value.bind(target)
      return (...args: unknown[]) => call(target, value as (...a: unknown[]) => unknown, args)
    },
  })
  return {
    storage: wrapped,
    /** Chunks the job may commit before its next write is parked. */
    holdWritesAfter(n: number) {
      allowed = n
    },
    /** Click batches wait until unblockInserts() (a stalled disk): the writer's queue grows meanwhile. */
    blockInserts() {
      insertGate ??= new Promise<void>((resolve) => (openInserts = resolve))
    },
    unblockInserts() {
      openInserts?.()
      insertGate = undefined
    },
    /** Every click batch takes this long to write from now on (a slow disk). */
    slowInserts(ms: number) {
      insertDelayMs = ms
    },
    /** Resolves once a write is parked. */
    parked: () => parkedSignal,
    release: () => {
      allowed = Infinity
      release?.()
    },
    kill() {
      killed = true
      release?.()
    },
  }
}
