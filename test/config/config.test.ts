import { describe, expect, it } from 'vitest'
import { defaultIdentityContexts, loadConfig } from '../../src/config/config.js'

describe('configuration', () => {
  it('keeps as many identity contexts as a quarter of the heap holds, between 10 000 and 500 000', () => {
    const MB = 1024 * 1024
    expect(defaultIdentityContexts(4096 * MB)).toBe(500_000)
    expect(defaultIdentityContexts(512 * MB)).toBe(63_610)
    expect(defaultIdentityContexts(16 * MB)).toBe(10_000)
    expect(loadConfig({}).identityMaxContexts).toBeGreaterThanOrEqual(10_000)
    expect(loadConfig({ IDENTITY_MAX_CONTEXTS: '20000' }).identityMaxContexts).toBe(20_000)
  })

  it('refuses a value it cannot use at start, naming the variable, instead of failing at the first click', () => {
    for (const [name, value] of [['IDENTITY_MAX_CONTEXTS', '12.5'], ['IDENTITY_MAX_CONTEXTS', '10'], ['CLICK_FLUSH_MS', '500'], ['PORT', 'eighty'], ['RETENTION_DAYS', '0'], ['IDENTITY_SNAPSHOT_INTERVAL_MS', '1'], ['IDENTITY_SNAPSHOT_INTERVAL_MS', '-5']] as const) {
      expect(() => loadConfig({ [name]: value }), `${name}=${value}`).toThrow(name)
    }
    expect(() => loadConfig({ PRIVACY_MODE: 'paranoid' })).toThrow('PRIVACY_MODE')
    expect([loadConfig({ IDENTITY_SNAPSHOT_INTERVAL_MS: '0' }), loadConfig({ IDENTITY_SNAPSHOT_INTERVAL_MS: '60000' })].map((c) => c.identitySnapshotIntervalMs)).toEqual([0, 60_000])
  })
})
