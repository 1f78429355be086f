import { describe, expect, it } from 'vitest'
import type { IdentityEngine } from '../../src/identity/identity-engine.js'
import { MemoryIdentityState } from '../../src/identity/memory-identity-state.js'
import { decodeSnapshot, encodeSnapshot, SNAPSHOT_FORMAT } from '../../src/identity/snapshot/snapshot-format.js'
import { HOUR, signalsOf, testEngine } from '../helpers/identity-fixtures.js'

const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36'
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1'

/** Clicks of `people` visitors, some returning, some sharing networks and SDK hashes, from `from` on: merges, crowds, evictions. */
function traffic(engine: IdentityEngine, people: number, from: number, count: number): void {
  for (let i = from; i < from + count; i++) {
    const person = (i * 7919) % people
    const returning = i % 3 !== 0
    engine.resolve(signalsOf(person % 2 ? ANDROID : IPHONE, {
      ts: i * 60_000, linkId: 1 + (i % 4), ipHash: `ip-${person % 40}`, prefixHash: `net-${person % 9}`,
      sdkDevice: person % 5 === 0 ? `sdk-${person % 11}` : null,
      ...(returning ? { cookieId: `c-${person}` } : { newCookieId: `c-${person}` }),
    }))
  }
}

/** What a state answers, so two states can be compared by what the engine reads. */
function answers(state: MemoryIdentityState, keys: string[]) {
  return keys.map((key) => ({
    entity: state.get(key), browser: state.find('browser', key), device: state.find('device', key), size: state.clusterSize('device', key), edges: state.edgesOf(key),
    clicked: [1, 2, 3, 4].map((l) => state.hasClicked('device', state.find('device', key), l)),
    address: state.onAddress(`ip-${keys.indexOf(key) % 40}`).map((e) => e.key), crowd: state.contextsOnAddress(`ip-${keys.indexOf(key) % 40}`, 0),
  }))
}

describe('the identity state as plain data (snapshots)', () => {
  it('restores into a fresh state that answers and goes on deciding exactly as the one exported', async () => {
    const live = new MemoryIdentityState({ maxEntities: 150 })
    traffic(testEngine(live), 400, 0, 2_000)
    const parts: Buffer[] = []
    for await (const part of encodeSnapshot({ format: SNAPSHOT_FORMAT, fingerprintVersion: 1, upToClickId: 1, upToClickTs: 1, writtenAt: 1, entities: 150 }, live.exportState())) parts.push(part)
    const restored = new MemoryIdentityState({ maxEntities: 150 })
    restored.restoreState(decodeSnapshot(parts).content)
    const keys = Array.from({ length: 400 }, (_, i) => `c-${i}`)
    expect(answers(restored, keys)).toEqual(answers(live, keys))
    // Both go on: the same decisions, the same state after.
    const decide = (state: MemoryIdentityState) => {
      const engine = testEngine(state)
      const out = []
      for (let i = 2_000; i < 2_600; i++) {
        const person = (i * 7919) % 400
        const d = engine.resolve(signalsOf(person % 2 ? ANDROID : IPHONE, { ts: i * 60_000, linkId: 1 + (i % 4), ipHash: `ip-${person % 40}`, prefixHash: `net-${person % 9}`, cookieId: `c-${person}` }))
        out.push({ browserUnique: d.browserUnique, deviceUnique: d.deviceUnique, confidence: d.confidence })
      }
      return out
    }
    expect(decide(restored)).toEqual(decide(live))
    expect(restored.exportState()).toEqual(live.exportState())
  })

  it('a gradual export holds the state of its moment, whatever the engine changes, evicts or erases between its slices', async () => {
    const state = new MemoryIdentityState({ maxEntities: 300 })
    const engine = testEngine(state)
    traffic(engine, 500, 0, 3_000)
    const atOnce = state.exportState()
    let slices = 0
    const gradual = await state.exportGradually(async () => {
      // Between slices: returning visitors (changed in place), new ones (evictions), an erasure.
      traffic(engine, 500, 3_000 + slices * 40, 40)
      if (slices === 2) state.erase(['c-7', 'c-8'])
      slices++
    }, 25)
    expect(slices).toBeGreaterThan(5)
    expect(gradual).toEqual(atOnce)
    // The engine's own changes went on meanwhile: the state is not the export's any more.
    expect(state.exportState()).not.toEqual(atOnce)
  })
})
