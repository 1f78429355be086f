import type { IdentityState } from './identity-state.js'

export interface ReplaceableIdentityState {
  /** Hand this to the engine and to everything else that reads the state. */
  readonly state: IdentityState
  /** From now on every call goes to `next`; the old state is dropped. */
  replace(next: IdentityState): void
}

/** Every method a state has, own or inherited, by name (getters are not methods). */
function methodNames(target: object): string[] {
  const names = new Set<string>()
  for (let o: object | null = target; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(o, name)?.value === 'function') names.add(name)
    }
  }
  return [...names]
}

/**
 * One IdentityState whose contents can be swapped wholesale: the fingerprint migration
 * job starts the engine's memory afresh while the engine, the session core and anyone
 * else keep the reference they were given. The methods are found on the state itself, so
 * methods the engine's state gains later are forwarded without a change here.
 *
 * A plain object holding the current state's methods, bound, rather than a Proxy: the
 * engine calls the state a dozen times a click, and a Proxy's get trap cost ~20 ns a call
 * more than an ordinary property. Replacing rebinds the same names in place, so the
 * object keeps its shape; a name the next state lacks throws when called, as calling a
 * missing method would.
 */
export function replaceableIdentityState(initial: IdentityState): ReplaceableIdentityState {
  const state = {} as Record<string, (...args: unknown[]) => unknown>
  const bind = (target: IdentityState) => {
    const methods = target as unknown as Record<string, (...args: unknown[]) => unknown>
    const names = new Set(methodNames(target))
    for (const name of names) state[name] = methods[name]!.bind(target)
    for (const name of Object.keys(state)) {
      if (!names.has(name)) state[name] = () => { throw new TypeError(`the identity state has no method ${name}`) }
    }
  }
  bind(initial)
  return {
    state: state as unknown as IdentityState,
    replace: bind,
  }
}
