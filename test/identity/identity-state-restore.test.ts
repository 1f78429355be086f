import { describe, expect, it } from 'vitest'
import { IdentityEngine } from '../../src/identity/identity-engine.js'
import type { IdentitySignals } from '../../src/identity/identity-signals.js'
import { MemoryIdentityState } from '../../src/identity/memory-identity-state.js'
import { OverlayIdentityState } from '../../src/identity/overlay-identity-state.js'
import { replaceableIdentityState } from '../../src/identity/replaceable-identity-state.js'
import { entityOf as entity, HOUR, signalsOf } from '../helpers/identity-fixtures.js'

const MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const SDK = { sdkDevice: 'a1b2c3d4e5f6a7b8c9d0', sdkBrowser: 'f0e1d2c3b4a5f6e7d8c9' }

function signals(over: Partial<IdentitySignals> & { ts: number }): IdentitySignals {
  return signalsOf(MAC, { timezone: 'Europe/Rome', ...over })
}

describe('MemoryIdentityState.restoreMembership', () => {
  it('puts a context back in its stored cluster with the cluster size and the root that survives unions', () => {
    const state = new MemoryIdentityState()
    state.restoreMembership('device', 'b', 'a', 100)
    state.restoreMembership('device', 'c', 'a', 100)
    state.restoreMembership('device', 'c', 'a', 100)
    state.restoreMembership('device', 'a', 'a', 100)
    expect(state.find('device', 'c')).toBe('a')
    expect(state.clusterSize('device', 'b')).toBe(3)
    expect(state.find('browser', 'c')).toBe('c')
    // A younger context joining the restored cluster is absorbed: the stored root survives.
    state.put(entity('z', 500))
    expect(state.union('device', 'z', 'b')).toEqual(['z', 'a'])
  })
})

describe('OverlayIdentityState', () => {
  it('lets the engine decide against the live state without changing it', () => {
    const live = new MemoryIdentityState()
    const engine = new IdentityEngine({ state: live, sessionWindowMs: 6 * HOUR, minConfidence: 50 })
    engine.resolve(signals({ ts: 0, newCookieId: 'home', ...SDK }))
    const before = JSON.stringify(live.get('home'))

    const dry = new IdentityEngine({ state: new OverlayIdentityState(live), sessionWindowMs: 6 * HOUR, minConfidence: 50 })
    const privateWindow = dry.resolve(signals({ ts: HOUR, newCookieId: 'private', ...SDK }))
    expect(privateWindow.browserId).toBe('home')
    expect(privateWindow.browserUnique).toBe(false)
    const returning = dry.resolve(signals({ ts: 2 * HOUR, cookieId: 'home', ipHash: 'ip-cafe', prefixHash: 'net-cafe', ...SDK }))
    expect(returning.key).toBe('home')

    expect(live.get('private')).toBeUndefined()
    expect(live.find('browser', 'private')).toBe('private')
    expect(JSON.stringify(live.get('home'))).toBe(before)
    // The live engine still sees the private window as new.
    expect(engine.resolve(signals({ ts: 3 * HOUR, newCookieId: 'private', ...SDK })).newEntity).not.toBeNull()
  })
})

describe('replaceableIdentityState', () => {
  it('sends every call to the current state, bound to it', () => {
    const first = new MemoryIdentityState()
    const { state, replace } = replaceableIdentityState(first)
    state.put(entity('a', 1))
    expect(first.get('a')).toBeDefined()
    const second = new MemoryIdentityState()
    replace(second)
    expect(state.get('a')).toBeUndefined()
    state.put(entity('b', 2))
    expect(second.get('b')).toBeDefined()
    expect(first.get('b')).toBeUndefined()
    expect('find' in state).toBe(true)
  })
})
