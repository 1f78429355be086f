import { describe, expect, it } from 'vitest'
import type { IdentitySignals } from '../../src/identity/identity-signals.js'
import { MemoryIdentityState } from '../../src/identity/memory-identity-state.js'
import { DAY, entityOf, HOUR, signalsOf, testEngine as engine } from '../helpers/identity-fixtures.js'

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1'

function at(place: string, over: Partial<IdentitySignals> & { ts: number }): IdentitySignals {
  return signalsOf(IPHONE, { ipHash: `ip-${place}`, prefixHash: `net-${place}`, sdkDevice: 'hash-iphone-15-it', timezone: 'Europe/Rome', ...over })
}

describe('SDK device hashes shared by a kind of device', () => {
  it('a hash whose new storage contexts are born in three places, never at the same time, proves nothing', () => {
    // Three phones of one popular model with default settings, in three homes, clicking days apart:
    // no two are ever seen at once, so only where their contexts appear tells them apart.
    const e = engine()
    const anna = e.resolve(at('anna-home', { ts: 0, newCookieId: 'anna' }))
    const bruno = e.resolve(at('bruno-home', { ts: 3 * DAY, newCookieId: 'bruno' }))
    expect(bruno.deviceId).toBe(anna.deviceId) // taken, for now, to be Anna's phone on the move
    e.resolve(at('carla-home', { ts: 6 * DAY, newCookieId: 'carla' }))
    expect(e.state.sdkDeviceAmbiguous('hash-iphone-15-it')).toBe(true)
    expect(new Set(['anna', 'bruno', 'carla'].map((k) => e.state.find('device', k))).size).toBe(3)
  })

  it('one device whose contexts are born at home and at the office keeps its hash', () => {
    const e = engine()
    const home = e.resolve(at('home', { ts: 0, newCookieId: 'safari' }))
    // A private window at the office the next day, then Safari again at home: two birth places, one device.
    const office = e.resolve(at('office', { ts: DAY, newCookieId: 'private' }))
    e.resolve(at('home', { ts: 2 * DAY, cookieId: 'safari' }))
    expect(office.deviceId).toBe(home.deviceId)
    expect(e.state.sdkDeviceAmbiguous('hash-iphone-15-it')).toBe(false)
    // A new context on a network it was already born on is no evidence of another device.
    e.resolve(at('home', { ts: 3 * DAY, newCookieId: 'private-2' }))
    expect(e.state.sdkDeviceAmbiguous('hash-iphone-15-it')).toBe(false)
  })
})

describe('bounded working state', () => {
  const small = () => engine(new MemoryIdentityState({ maxEntities: 100 }))

  it('a context seen again and again keeps the newest place; the least recently seen still leave first', () => {
    const state = new MemoryIdentityState({ maxEntities: 3 })
    for (const key of ['a', 'b', 'c']) state.put(entityOf(key, 1))
    // c clicks again and again (it is the newest already), then a comes back: b is now the least recently seen.
    for (let ts = 2; ts < 50; ts++) state.put(entityOf('c', 1, { lastSeen: ts }))
    state.put(entityOf('a', 1, { lastSeen: 50 }))
    state.put(entityOf('d', 51))
    expect(['a', 'b', 'c', 'd'].map((k) => state.get(k) !== undefined)).toEqual([true, false, true, true])
    expect(state.get('c')?.lastSeen).toBe(49)
    state.put(entityOf('e', 52))
    expect(state.get('c')).toBeUndefined()
  })

  it('forgets one-time visitors entirely once they leave, however many come', () => {
    const e = small()
    for (let i = 0; i < 20_000; i++) e.resolve(at(`home-${i}`, { ts: i * 1000, newCookieId: `once-${i}`, sdkDevice: null }))
    const state = e.state as MemoryIdentityState
    expect(state.remembered).toBeLessThanOrEqual(100)
    expect(state.get('once-0')).toBeUndefined()
    expect(state.get('once-19999')).toBeDefined()
  })

  it('keeps the clusters of contexts still live through a flood that sweeps the rest', () => {
    const e = small()
    const phone = e.resolve(at('home', { ts: 0, newCookieId: 'safari', sdkBrowser: 'browser-hash-safari-1' }))
    const again = e.resolve(at('home', { ts: HOUR, newCookieId: 'safari-private', sdkBrowser: 'browser-hash-safari-1' }))
    expect(again.deviceId).toBe(phone.deviceId)
    for (let i = 0; i < 5_000; i++) {
      // Merged pairs fill the bookkeeping beyond the entities; the live pair is seen now and then.
      const ts = 2 * HOUR + i * 1000
      e.resolve(at(`flat-${i}`, { ts, newCookieId: `a-${i}`, sdkDevice: null, sdkBrowser: `pair-${i}-browser` }))
      e.resolve(at(`flat-${i}`, { ts: ts + 1, newCookieId: `b-${i}`, sdkDevice: null, sdkBrowser: `pair-${i}-browser` }))
      if (i % 20 === 0) {
        e.resolve(at('home', { ts: ts + 2, cookieId: 'safari' }))
        e.resolve(at('home', { ts: ts + 3, cookieId: 'safari-private' }))
      }
    }
    const state = e.state as MemoryIdentityState
    expect(state.remembered).toBeLessThanOrEqual(2 * 100 * 2)
    expect(state.find('device', 'safari-private')).toBe(state.find('device', 'safari'))
    expect(state.find('browser', 'b-4999')).toBe(state.find('browser', 'a-4999'))
    // Seen again on a link it clicked: not unique. Its cluster's clicked links survived the sweeps.
    expect(e.resolve(at('home', { ts: 10 * DAY, cookieId: 'safari' })).deviceUnique).toBe(false)
  })
})

describe('links clicked per cluster', () => {
  it('a merge leaves the surviving cluster with the links of both, one link or many on either side', () => {
    const state = new MemoryIdentityState()
    const put = (key: string, firstSeen: number) => state.put(entityOf(key, firstSeen))
    put('old', 1)
    put('young', 2)
    put('third', 3)
    state.markClicked('device', 'old', 1)
    state.markClicked('device', 'young', 2)
    state.markClicked('device', 'young', 3)
    state.markClicked('device', 'young', 3)
    state.markClicked('device', 'third', 1)
    expect(state.union('device', 'young', 'old')).toEqual(['young', 'old'])
    expect([1, 2, 3, 4].map((link) => state.hasClicked('device', 'old', link))).toEqual([true, true, true, false])
    expect(state.union('device', 'third', 'old')).toEqual(['third', 'old'])
    expect(state.hasClicked('device', 'old', 1)).toBe(true)
    expect(state.hasClicked('device', 'third', 1)).toBe(false)
  })
})

describe('SDK browser hashes', () => {
  const MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36'
  const mac = (place: string, over: Partial<IdentitySignals> & { ts: number }) =>
    signalsOf(MAC, { ipHash: `ip-${place}`, prefixHash: `net-${place}`, sdkDevice: 'mac-hash', sdkBrowser: 'canvas-hash', timezone: 'Europe/Rome', ...over })

  it('are judged on their own use, and a merge resting on one is withdrawn when it proves shared', () => {
    const e = engine()
    e.resolve(mac('home', { ts: 0, newCookieId: 'chrome' }))
    const cleared = e.resolve(mac('home', { ts: DAY, newCookieId: 'chrome-cleared' }))
    expect(cleared.browserId).toBe('chrome')
    expect(e.state.sdkBrowserAmbiguous('canvas-hash')).toBe(false)
    // The same browser hash from another network within hours of the first: another unit of that image.
    e.resolve(mac('elsewhere', { ts: DAY + HOUR, newCookieId: 'twin' }))
    expect(e.state.sdkBrowserAmbiguous('canvas-hash')).toBe(true)
    expect(e.state.sdkDeviceAmbiguous('mac-hash')).toBe(true)
    expect(e.state.find('browser', 'chrome-cleared')).toBe('chrome-cleared')
    expect(e.state.find('device', 'twin')).toBe('twin')
  })

  it('an erased context takes what it showed of its browser hash along', () => {
    const state = new MemoryIdentityState()
    state.put(entityOf('a', 0, { sdkBrowser: 'canvas', ipHash: 'ip-a', prefixHash: 'net-a' }))
    state.erase(['a'])
    state.put(entityOf('b', HOUR, { sdkBrowser: 'canvas', ipHash: 'ip-b', prefixHash: 'net-b' }))
    expect(state.sdkBrowserAmbiguous('canvas')).toBe(false)
  })
})
