import { describe, expect, it } from 'vitest'
import type { IdentitySource } from '../../src/identity/identity-engine.js'
import { SourceMonitor, type SourceBurstWarning } from '../../src/sessions/source-monitor.js'

function monitor(options: { minBurst?: number; warnEveryMs?: number } = {}) {
  const clock = { t: 1_000_000 }
  const warnings: SourceBurstWarning[] = []
  const counted: IdentitySource[] = []
  const m = new SourceMonitor({ now: () => clock.t, warn: (d) => warnings.push(d), onSource: (s) => counted.push(s), random: () => 0.999, ...options })
  const sample = (path = '/api/x?token=secret') => () => ({ method: 'GET', path: path.split('?')[0]!, userAgent: 'ua' })
  return { m, clock, warnings, counted, sample }
}

describe('fingerprint source monitoring', () => {
  it('counts every source, request_cache included', () => {
    const { m, counted, sample } = monitor()
    for (const s of ['client_header', 'cookie', 'server_generated', 'request_cache'] as const) m.record(s, sample())
    expect(m.totals()).toEqual({ request_cache: 1, client_header: 1, cookie: 1, server_generated: 1 })
    expect(counted).toHaveLength(4)
  })

  it('warns once on a burst of server_generated, with a sample, then stays quiet for the interval', () => {
    const { m, clock, warnings, sample } = monitor({ minBurst: 20, warnEveryMs: 300_000 })
    for (let i = 0; i < 19; i++) m.record('server_generated', sample())
    expect(warnings).toHaveLength(0)
    m.record('server_generated', sample())
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({ serverGenerated: 20, requests: 20, share: 1, suppressed: 0 })
    expect(warnings[0]!.samples).toHaveLength(5)
    expect(warnings[0]!.samples[0]).toEqual({ method: 'GET', path: '/api/x', userAgent: 'ua' })
    for (let i = 0; i < 100; i++) m.record('server_generated', sample())
    expect(warnings).toHaveLength(1)
    clock.t += 300_000
    for (let i = 0; i < 20; i++) m.record('server_generated', sample())
    expect(warnings).toHaveLength(2)
    expect(warnings[1]!.suppressed).toBe(100)
  })

  it('does not warn while most clients still send fingerprints', () => {
    const { m, warnings, sample } = monitor({ minBurst: 20 })
    for (let i = 0; i < 200; i++) {
      m.record('client_header', sample())
      m.record('cookie', sample())
      if (i % 4 === 0) m.record('server_generated', sample())
    }
    expect(m.totals().server_generated).toBe(50)
    expect(warnings).toHaveLength(0)
  })

  it('forgets server_generated requests older than the window', () => {
    const { m, clock, warnings, sample } = monitor({ minBurst: 20 })
    for (let i = 0; i < 15; i++) m.record('server_generated', sample())
    clock.t += 61_000
    for (let i = 0; i < 15; i++) m.record('server_generated', sample())
    expect(warnings).toHaveLength(0)
  })
})
