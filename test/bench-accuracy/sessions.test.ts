import { describe, expect, it } from 'vitest'
import type { BrowserInstall } from '../../bench/accuracy/browsers.js'
import { ITP_CAP_DAYS, Sessions } from '../../bench/accuracy/sessions.js'

const DAY = 86_400_000
const install = (over: Partial<BrowserInstall>): BrowserInstall => ({
  id: 'i1', deviceId: 'd1', family: 'safari', isDefault: true, updateLagMs: 0, webkit: true, sdkBlocked: false, clearsOnExit: false,
  clearEveryDays: Infinity, deviceSignalsStable: true, extEntropy: null, dnt: false, ...over,
} as BrowserInstall)

describe('simulated cookie jars', () => {
  it("Safari keeps the shortener's HttpOnly cookie until tracking prevention purges a bounce tracker's data, 30 days on", () => {
    expect(ITP_CAP_DAYS).toBe(30)
    const sessions = new Sessions('seed', 0, 90 * DAY)
    const safari = install({})
    const first = sessions.jar(safari, 0, false)
    expect(first.fresh).toBe(true)
    // Weekly visits: the 7-day cap is for script-set storage, not this cookie.
    for (let day = 7; day < ITP_CAP_DAYS; day += 7) expect(sessions.jar(safari, day * DAY, false)).toEqual({ jar: first.jar, fresh: false })
    const later = sessions.jar(safari, (ITP_CAP_DAYS + 1) * DAY, false)
    expect(later.fresh).toBe(true)
    expect(later.jar).not.toBe(first.jar)
  })

  it('other engines keep the jar until the user clears it', () => {
    const sessions = new Sessions('seed', 0, 90 * DAY)
    const chrome = install({ id: 'i2', family: 'chrome', webkit: false })
    const first = sessions.jar(chrome, 0, false)
    expect(sessions.jar(chrome, 60 * DAY, false)).toEqual({ jar: first.jar, fresh: false })
  })
})
