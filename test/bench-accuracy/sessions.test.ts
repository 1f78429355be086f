import { describe, expect, it } from 'vitest'
import type { BrowserInstall } from '../../bench/accuracy/browsers.js'
import { ITP_REMOVAL_GAP_MS, ITP_UNIQUE_REDIRECTS_THRESHOLD, Sessions } from '../../bench/accuracy/sessions.js'

const DAY = 86_400_000
const install = (over: Partial<BrowserInstall>): BrowserInstall => ({
  id: 'i1', deviceId: 'd1', family: 'safari', isDefault: true, updateLagMs: 0, webkit: true, sdkBlocked: false, clearsOnExit: false,
  clearEveryDays: Infinity, deviceSignalsStable: true, extEntropy: null, dnt: false, ...over,
} as BrowserInstall)

describe('simulated cookie jars', () => {
  it("Safari keeps the shortener's cookie until it has redirected the install to more than 3 sites; then every removal pass purges it", () => {
    expect(ITP_UNIQUE_REDIRECTS_THRESHOLD).toBe(3)
    const sessions = new Sessions('seed', 0, 90 * DAY)
    const safari = install({})
    const first = sessions.jar(safari, 0, false, 'a.example')
    expect(first.fresh).toBe(true)
    // Weekly visits to three sites: not yet a bounce tracker, the cookie stays (ITP caps script-set storage, not this cookie).
    expect(sessions.jar(safari, 7 * DAY, false, 'b.example')).toEqual({ jar: first.jar, fresh: false })
    expect(sessions.jar(safari, 14 * DAY, false, 'c.example')).toEqual({ jar: first.jar, fresh: false })
    expect(sessions.jar(safari, 21 * DAY, false, 'a.example')).toEqual({ jar: first.jar, fresh: false })
    // The fourth site classifies the shortener (after this redirect)…
    expect(sessions.jar(safari, 22 * DAY, false, 'd.example')).toEqual({ jar: first.jar, fresh: false })
    // …so the next click after a removal pass finds no cookie; one within the hour still does.
    const later = sessions.jar(safari, 23 * DAY, false, 'a.example')
    expect(later.fresh).toBe(true)
    expect(later.jar).not.toBe(first.jar)
    expect(sessions.jar(safari, 23 * DAY + ITP_REMOVAL_GAP_MS / 2, false, 'b.example')).toEqual({ jar: later.jar, fresh: false })
    // Private windows keep no statistics, and other engines have no such rule.
    const other = install({ id: 'i3' })
    for (const site of ['a', 'b', 'c', 'd', 'e']) sessions.jar(other, 0, true, `${site}.example`)
    const kept = sessions.jar(other, DAY, false, 'a.example')
    expect(sessions.jar(other, 2 * DAY, false, 'a.example')).toEqual({ jar: kept.jar, fresh: false })
  })

  it('other engines keep the jar until the user clears it', () => {
    const sessions = new Sessions('seed', 0, 90 * DAY)
    const chrome = install({ id: 'i2', family: 'chrome', webkit: false })
    const first = sessions.jar(chrome, 0, false)
    for (const [i, site] of ['a', 'b', 'c', 'd', 'e'].entries()) sessions.jar(chrome, i * DAY, false, `${site}.example`)
    expect(sessions.jar(chrome, 60 * DAY, false)).toEqual({ jar: first.jar, fresh: false })
  })
})
