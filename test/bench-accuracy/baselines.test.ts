import { describe, expect, it } from 'vitest'
import { baselines } from '../../bench/accuracy/baselines.js'
import { cookieOnly } from '../../bench/accuracy/baselines/cookie-only.js'
import { dubDedup } from '../../bench/accuracy/baselines/dub-dedup.js'
import { ipOnly } from '../../bench/accuracy/baselines/ip-only.js'
import { naiveDeviceHash } from '../../bench/accuracy/baselines/naive-device-hash.js'
import { plausibleDailyHash } from '../../bench/accuracy/baselines/plausible-daily-hash.js'
import { sdkHashOnly } from '../../bench/accuracy/baselines/sdk-hash-only.js'
import { umamiMonthlyHash } from '../../bench/accuracy/baselines/umami-monthly-hash.js'
import type { ClickLine } from '../../bench/accuracy/types.js'

const CHROME_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/154.0.0.0 Safari/537.36'
const FIREFOX_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:156.0) Gecko/20100101 Firefox/156.0'
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'

let n = 0
function click(p: { ts: string; ip?: string; ua?: string; jar?: string; path?: string; headers?: Record<string, string> }): ClickLine {
  n++
  return {
    type: 'click',
    id: `e${n}`,
    ts: p.ts,
    method: 'GET',
    path: p.path ?? '/abc',
    ip: p.ip ?? '93.40.1.2',
    jar: p.jar ?? `j${n}`,
    headers: { 'user-agent': p.ua ?? CHROME_WIN, 'accept-language': 'it-IT,it;q=0.9', ...(p.headers ?? {}) },
  }
}

const ids = (b: { decide(c: readonly ClickLine[]): Array<{ deviceId: string }> }, cs: ClickLine[]): string[] => b.decide(cs).map((d) => d.deviceId)

describe('baselines', () => {
  it('cookie-only: one identity per jar', () => {
    const cs = [click({ ts: '2026-10-05T10:00:00Z', jar: 'A' }), click({ ts: '2026-10-06T10:00:00Z', jar: 'A', ip: '5.90.12.3' }), click({ ts: '2026-10-06T10:00:01Z', jar: 'B' })]
    const [a, b, c] = ids(cookieOnly, cs)
    expect(a).toBe(b)
    expect(c).not.toBe(a)
  })

  it('dub: same ip+ua on the same link within an hour of the recorded click is one', () => {
    const cs = [
      click({ ts: '2026-10-05T10:00:00Z' }),
      click({ ts: '2026-10-05T10:50:00Z' }),
      click({ ts: '2026-10-05T11:10:00Z' }), // 70 min after the recorded click: recorded again
      click({ ts: '2026-10-05T10:05:00Z', path: '/other' }), // another link
      click({ ts: '2026-10-05T10:06:00Z', ua: FIREFOX_WIN }), // another UA
    ]
    const [a, b, c, d, e] = ids(dubDedup, cs)
    expect(b).toBe(a)
    expect(c).not.toBe(a)
    expect(d).not.toBe(a)
    expect(e).not.toBe(a)
  })

  it('plausible: one id per ip+ua per UTC day', () => {
    const cs = [click({ ts: '2026-10-05T08:00:00Z', path: '/x' }), click({ ts: '2026-10-05T22:00:00Z', path: '/y' }), click({ ts: '2026-10-06T08:00:00Z' })]
    const [a, b, c] = ids(plausibleDailyHash, cs)
    expect(b).toBe(a)
    expect(c).not.toBe(a)
  })

  it('umami: one id per ip+ua per month', () => {
    const cs = [click({ ts: '2026-10-05T08:00:00Z' }), click({ ts: '2026-10-29T08:00:00Z' }), click({ ts: '2026-11-02T08:00:00Z' })]
    const [a, b, c] = ids(umamiMonthlyHash, cs)
    expect(b).toBe(a)
    expect(c).not.toBe(a)
  })

  it('seed naive hash: same ip, time zone, language and OS across browsers is one device, two browsers', () => {
    const cs = [
      click({ ts: '2026-10-05T08:00:00Z', headers: { 'x-timezone': 'Europe/Rome' } }),
      click({ ts: '2026-10-05T08:01:00Z', ua: FIREFOX_WIN, headers: { 'x-timezone': 'Europe/Rome' } }),
      click({ ts: '2026-10-05T08:02:00Z', ip: '93.40.1.3', headers: { 'x-timezone': 'Europe/Rome' } }),
    ]
    const d = naiveDeviceHash.decide(cs)
    expect(d[1]!.deviceId).toBe(d[0]!.deviceId)
    expect(d[1]!.browserId).not.toBe(d[0]!.browserId)
    expect(d[2]!.deviceId).not.toBe(d[0]!.deviceId)
  })

  it('ip-only: one identity per address', () => {
    const [a, b, c] = ids(ipOnly, [click({ ts: '2026-10-05T08:00:00Z', jar: 'A' }), click({ ts: '2026-10-07T08:00:00Z', jar: 'B', ua: FIREFOX_WIN }), click({ ts: '2026-10-07T08:00:00Z', ip: '5.90.12.3' })])
    expect(b).toBe(a)
    expect(c).not.toBe(a)
  })

  it('sdk-hash: the SDK device hash when present, else the cookie', () => {
    const cs = [
      click({ ts: '2026-10-05T08:00:00Z', jar: 'A', headers: { 'x-device-fingerprint': 'f1', 'x-browser-fingerprint': 'g1' } }),
      click({ ts: '2026-10-05T08:01:00Z', jar: 'B', headers: { 'x-device-fingerprint': 'f1', 'x-browser-fingerprint': 'g2' } }),
      click({ ts: '2026-10-05T08:02:00Z', jar: 'A' }),
    ]
    const d = sdkHashOnly.decide(cs)
    expect(d[1]!.deviceId).toBe(d[0]!.deviceId)
    expect(d[1]!.browserId).not.toBe(d[0]!.browserId)
    expect(d[2]!.deviceId).not.toBe(d[0]!.deviceId)
  })

  it('all flag bots by user agent and set unique flags per link in time order', () => {
    const cs = [click({ ts: '2026-10-05T08:01:00Z', jar: 'A' }), click({ ts: '2026-10-05T08:00:00Z', jar: 'A' }), click({ ts: '2026-10-05T08:02:00Z', ua: GOOGLEBOT })]
    for (const b of baselines) {
      const d = b.decide(cs)
      expect(d.map((x) => x.id)).toEqual(cs.map((c) => c.id))
      expect(d[2]!.bot).toBe(true)
      expect(d[0]!.bot).toBe(false)
      if (b === cookieOnly) {
        // the earlier click (second in the file) is the unique one
        expect(d[1]!.deviceUnique).toBe(true)
        expect(d[0]!.deviceUnique).toBe(false)
      }
    }
  })
})
