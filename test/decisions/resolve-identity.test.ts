import { describe, expect, it } from 'vitest'
import { resolveIdentity } from '../../src/decisions/resolve-identity.js'
import { IdentityEngine } from '../../src/identity/identity-engine.js'
import type { IdentitySignals } from '../../src/identity/identity-signals.js'
import { MemoryIdentityState } from '../../src/identity/memory-identity-state.js'
import { parseUserAgent } from '../../src/signals/user-agent.js'

const MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const HOUR = 3_600_000

function signals(over: Partial<IdentitySignals> & { ts: number }): IdentitySignals {
  return {
    linkId: 1, ipHash: 'ip-home', prefixHash: 'net-home', cookieId: null, newCookieId: null, sdkDevice: null, sdkBrowser: null,
    timezone: 'Europe/Rome', ua: parseUserAgent(MAC), userAgent: MAC, language: 'it', accept: 'text/html', geo: null, ...over,
  }
}

/**
 * What fingerprint_correlations holds after the click writer applied each click's rows and
 * moves (click-record.ts, the batch writers): rows of stored contexts, then merges, then reassignments.
 */
class StorageModel {
  readonly rows = new Map<string, { browser: string; device: string }>()
  apply(r: ReturnType<typeof resolveIdentity>) {
    if (r.stored) this.rows.set(r.stored.key, { browser: r.decision.browserId, device: r.decision.deviceId })
    for (const m of r.decision.merges) for (const row of this.rows.values()) if (row[m.level] === m.absorbed) row[m.level] = m.into
    for (const a of r.decision.reassigned) this.rows.set(a.key, { browser: a.browserRoot, device: a.deviceRoot })
  }
}

describe('resolveIdentity', () => {
  it('stores a known context the engine links anew, so storage says what memory says', () => {
    const engine = new IdentityEngine({ state: new MemoryIdentityState(), sessionWindowMs: 6 * HOUR, minConfidence: 50 })
    const storage = new StorageModel()
    const sdk = { sdkDevice: 'a1b2c3d4e5f6a7b8c9d0', sdkBrowser: 'f0e1d2c3b4a5f6e7d8c9' }
    // The browser at home, with the SDK.
    const home = resolveIdentity(engine, signals({ ts: 0, newCookieId: 'home', ...sdk }))
    storage.apply(home)
    expect(home.stored?.key).toBe('home')
    // A second cookie of it, first seen at work where the page did not run the SDK: nothing ties it to anything.
    const work = resolveIdentity(engine, signals({ ts: HOUR, newCookieId: 'work', ipHash: 'ip-work', prefixHash: 'net-work' }))
    storage.apply(work)
    expect(work.decision.browserId).toBe('work')
    // Back home, with the SDK: the known, younger context is linked and absorbed — no merge row moves it.
    const back = resolveIdentity(engine, signals({ ts: 2 * HOUR, cookieId: 'work', ...sdk }))
    storage.apply(back)
    expect(back.decision.newEntity).toBeNull()
    expect(back.decision.browserId).toBe('home')
    expect(back.stored?.key).toBe('work')
    expect(back.edges.length).toBeGreaterThan(0)
    expect(back.edges[0]).toMatchObject({ other: 'home' })
    // Nothing changes on a plain return: nothing to store.
    const again = resolveIdentity(engine, signals({ ts: 3 * HOUR, cookieId: 'work', ...sdk }))
    expect(again.stored).toBeNull()
    expect(again.edges).toEqual([])
    for (const [key, row] of storage.rows) {
      expect({ key, ...row }).toEqual({ key, browser: engine.state.find('browser', key), device: engine.state.find('device', key) })
    }
  })
})
