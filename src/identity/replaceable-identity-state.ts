import type { IdentityState } from './identity-state.js'

export interface ReplaceableIdentityState {
  /** Hand this to the engine and to everything else that reads the state. */
  readonly state: IdentityState
  /** From now on every call goes to `next`; the old state is dropped. */
  replace(next: IdentityState): void
}

/**
 * One IdentityState whose contents can be swapped wholesale: the fingerprint migration
 * job starts the engine's memory afresh while the engine, the session core and anyone
 * else keep the reference they were given. A Proxy rather than a class that repeats the
 * interface, so methods the engine's state gains later are forwarded without a change here.
 */
export function replaceableIdentityState(initial: IdentityState): ReplaceableIdentityState {
  let current = initial
  // Bound once per method and state: the engine calls the state a dozen times a click.
  let bound = new Map<PropertyKey, unknown>()
  const state = new Proxy({} as IdentityState, {
    get(_target, property) {
      let value = bound.get(property)
      if (value === undefined) {
        value = Reflect.get(current, property, current)
        if (typeof value === 'function') value = (value as (...args: unknown[]) => unknown).bind(current)
        bound.set(property, value)
      }
      return value
    },
    has: (_target, property) => property in current,
  })
  return {
    state,
    replace(next) {
      current = next
      bound = new Map()
    },
  }
}
