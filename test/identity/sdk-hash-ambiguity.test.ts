import { describe, expect, it } from 'vitest'
import type { FingerprintEntity } from '../../src/identity/fingerprint-entity.js'
import { MemoryIdentityState } from '../../src/identity/memory-identity-state.js'
import { SDK_HASH_AMBIGUITY, type SdkHashRule } from '../../src/identity/sdk-hash-ambiguity.js'
import { DAY, entityOf, HOUR } from '../helpers/identity-fixtures.js'

const seen = (key: string, ts: number, prefixHash: string) => entityOf(key, ts, { prefixHash, sdkDevice: 'h' })

describe('SDK_HASH_AMBIGUITY, on the records a state keeps', () => {
  it('one phone on home Wi-Fi and, days later, at the office stays one device', () => {
    const use = SDK_HASH_AMBIGUITY.start()
    SDK_HASH_AMBIGUITY.judge(use, seen('safari', 0, 'home'))
    SDK_HASH_AMBIGUITY.judge(use, seen('private', DAY, 'office'))
    expect(use.ambiguous).toBe(false)
  })

  it('two contexts on two networks within hours are two devices', () => {
    const use = SDK_HASH_AMBIGUITY.start()
    SDK_HASH_AMBIGUITY.judge(use, seen('anna', 0, 'anna-home'))
    SDK_HASH_AMBIGUITY.judge(use, seen('bruno', HOUR, 'bruno-home'))
    expect(use.ambiguous).toBe(true)
  })

  it('forgets an erased context and reports when none is left', () => {
    const use = SDK_HASH_AMBIGUITY.start()
    SDK_HASH_AMBIGUITY.judge(use, seen('a', 0, 'x'))
    SDK_HASH_AMBIGUITY.judge(use, seen('b', 2 * DAY, 'x'))
    expect(SDK_HASH_AMBIGUITY.forget(use, 'a')).toBe(true)
    expect(use.recent.map((s) => s.key)).toEqual(['b'])
    expect(SDK_HASH_AMBIGUITY.forget(use, 'b')).toBe(false)
  })
})

describe('a state with another rule', () => {
  it('keeps the records and withdraws merges when the given rule decides, without policy of its own', () => {
    const judged: string[] = []
    const secondNetwork: SdkHashRule = {
      name: 'a_second_network_is_another_device',
      start: () => SDK_HASH_AMBIGUITY.start(),
      judge(use, entity: FingerprintEntity) {
        judged.push(entity.key)
        use.keys.add(entity.key)
        if (!use.births.includes(entity.prefixHash)) use.births.push(entity.prefixHash)
        if (use.births.length > 1) use.ambiguous = true
      },
      forget: (use, key) => use.keys.delete(key) && use.keys.size > 0,
    }
    const state = new MemoryIdentityState({ sdkHashRule: secondNetwork })
    state.put(seen('a', 0, 'x'))
    state.put(seen('b', 5 * DAY, 'x'))
    state.union('device', 'b', 'a', 'h')
    expect(state.find('device', 'b')).toBe('a')
    state.put(seen('c', 6 * DAY, 'y'))
    expect(judged).toEqual(['a', 'b', 'c'])
    expect(state.sdkDeviceAmbiguous('h')).toBe(true)
    expect(state.takeWithdrawn().map((w) => w.key).sort()).toEqual(['a', 'b'])
    expect(state.find('device', 'b')).toBe('b')
  })
})

describe('what the hash is learnt from', () => {
  const phone = (key: string, ts: number, prefixHash: string, over: Partial<FingerprintEntity> = {}) =>
    entityOf(key, ts, { prefixHash, sdkDevice: 'h', osName: 'Android', deviceType: 'mobile', language: 'it', ...over })

  it('a phone seen on its home network and, later, in an in-app view on its mobile network stays one device', () => {
    const use = SDK_HASH_AMBIGUITY.start()
    SDK_HASH_AMBIGUITY.judge(use, phone('chrome', 0, 'home-wifi'))
    SDK_HASH_AMBIGUITY.judge(use, phone('instagram', DAY, 'carrier', { model: 'SM-A155F' }))
    SDK_HASH_AMBIGUITY.judge(use, phone('chrome', 2 * DAY, 'home-wifi'))
    expect(use.ambiguous).toBe(false)
  })

  it('another kind of device with the hash (another OS language or model) is another device', () => {
    const use = SDK_HASH_AMBIGUITY.start()
    SDK_HASH_AMBIGUITY.judge(use, phone('a', 0, 'home', { model: 'SM-A155F' }))
    SDK_HASH_AMBIGUITY.judge(use, phone('b', 3 * DAY, 'home', { model: 'SM-S921B' }))
    expect(use.ambiguous).toBe(true)
    const languages = SDK_HASH_AMBIGUITY.start()
    SDK_HASH_AMBIGUITY.judge(languages, phone('a', 0, 'home'))
    SDK_HASH_AMBIGUITY.judge(languages, phone('b', 3 * DAY, 'home', { language: 'de' }))
    expect(languages.ambiguous).toBe(true)
  })

  it('an office fleet of one image, four new contexts behind one address within minutes, is several devices', () => {
    const use = SDK_HASH_AMBIGUITY.start()
    for (let i = 0; i < 4; i++) SDK_HASH_AMBIGUITY.judge(use, entityOf(`laptop-${i}`, i * 60_000, { prefixHash: 'office', sdkDevice: 'h' }))
    expect(use.ambiguous).toBe(true)
  })

  it('phones of one model with default settings, whose new contexts appear in three homes, are a kind of device', () => {
    const use = SDK_HASH_AMBIGUITY.start()
    SDK_HASH_AMBIGUITY.judge(use, phone('anna', 0, 'anna-home'))
    SDK_HASH_AMBIGUITY.judge(use, phone('bruno', 3 * DAY, 'bruno-home'))
    expect(use.ambiguous).toBe(false)
    SDK_HASH_AMBIGUITY.judge(use, phone('carla', 6 * DAY, 'carla-home'))
    expect(use.ambiguous).toBe(true)
  })
})
