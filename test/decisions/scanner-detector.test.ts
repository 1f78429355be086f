import { describe, expect, it } from 'vitest'
import { ScannerDetector, type ScannerDecision, type ScannerRequest } from '../../src/decisions/scanner-detector.js'
import { blockOf } from '../../src/decisions/scanner/network-block.js'
import { BROWSER_UAS } from '../signals/real-user-agents.js'

/**
 * Request sequences shaped like the agents' real traffic: Microsoft's Safe Links and
 * Proofpoint's URL Defense fetch every recipient's copy of a newsletter link within
 * seconds of delivery, from a few of their own networks, with browser UAs and no cookie;
 * Safe Links checks again a second before the recipient's own click arrives.
 */
const T0 = Date.parse('2026-10-05T09:30:00Z')
const SEC = 1000
const MIN = 60 * SEC
const EDGE = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51'

let nextCookie = 0
function req(over: Partial<ScannerRequest> & { ip: string }): ScannerRequest {
  const parts = over.ip.split('.')
  return {
    ts: T0,
    linkId: 1,
    // Tests stand the keyed hashes in with the text they hash.
    network: parts.length === 4 ? parts.slice(0, 3).join('.') : over.ip.split(':').slice(0, 4).join(':'),
    address: over.ip,
    clientIp: over.ip,
    method: 'GET',
    userAgent: BROWSER_UAS.chromeWindows,
    os: 'Windows',
    humanEvidence: false,
    cookieId: null,
    issuedCookieId: `issued-${++nextCookie}`,
    ...over,
  }
}

/** A person: a browser that kept the cookie linkprint set before (or ran the SDK). */
function person(over: Partial<ScannerRequest> & { ip: string }): ScannerRequest {
  const cookie = `kept-${++nextCookie}`
  return req({ humanEvidence: true, cookieId: cookie, issuedCookieId: null, ...over })
}

const seqs = (d: ScannerDecision) => d.reclassified.map((c) => c.seq)

describe('ScannerDetector: delivery bursts', () => {
  it('recognises a gateway scanning four mailboxes and reclassifies the first three', () => {
    const detector = new ScannerDetector()
    const first = [0, 4, 9].map((s, i) => detector.observe(req({ ip: `40.94.29.${10 + i}`, ts: T0 + s * SEC, userAgent: i === 1 ? EDGE : BROWSER_UAS.chromeWindows })))
    for (const d of first) {
      expect(d.reason).toBeNull()
      expect(d.click).not.toBeNull()
    }
    const fourth = detector.observe(req({ ip: '40.94.29.77', ts: T0 + 31 * SEC }))
    expect(fourth.reason).toBe('scanner_burst')
    expect(seqs(fourth)).toEqual(first.map((d) => d.click!.seq))
    expect(fourth.reclassified.every((c) => c.reason === 'scanner_burst')).toBe(true)
    // Known from now on: the next newsletter's first fetch, a day later, on another link.
    const next = detector.observe(req({ ip: '40.94.29.200', ts: T0 + 1440 * MIN, linkId: 2 }))
    expect(next.reason).toBe('scanner_network')
    expect(next.reclassified).toEqual([])
  })

  it('takes the other links of the same message with the burst', () => {
    const detector = new ScannerDetector()
    // Safe Links from general Azure space (laravel-passwordless-login #79), outside the published mail ranges.
    const other = detector.observe(req({ ip: '20.72.100.5', linkId: 9 }))
    for (let i = 0; i < 3; i++) detector.observe(req({ ip: `20.72.100.${20 + i}`, ts: T0 + (i + 1) * SEC }))
    const burst = detector.observe(req({ ip: '20.72.100.40', ts: T0 + 5 * SEC }))
    expect(burst.reason).toBe('scanner_burst')
    expect(seqs(burst)).toContain(other.click!.seq)
  })

  it('does not take an office NAT for a scanner: its people bring back the cookie', () => {
    const detector = new ScannerDetector()
    // Monday: colleagues who clicked before come back with their cookie.
    for (let i = 0; i < 6; i++) detector.observe(person({ ip: '62.94.77.241', ts: T0 + i * MIN, linkId: 5, userAgent: BROWSER_UAS.chromeWindows }))
    // Tuesday's all-hands mail: twelve first-time clicks in two minutes behind the same address.
    const day = T0 + 1440 * MIN
    for (let i = 0; i < 12; i++) {
      const d = detector.observe(req({ ip: i % 2 ? '62.94.77.241' : '62.94.77.242', ts: day + i * 10 * SEC, linkId: 6 }))
      expect(d.reason).toBeNull()
      expect(d.reclassified).toEqual([])
    }
  })

  it('does not take a household of phones and computers for a scanner', () => {
    const detector = new ScannerDetector()
    const devices: Array<[string, string]> = [[BROWSER_UAS.safariIphone, 'iOS'], [BROWSER_UAS.chromeAndroid, 'Android'], [BROWSER_UAS.safariMac, 'Mac OS'], [BROWSER_UAS.chromeWindows, 'Windows']]
    for (const [i, [userAgent, os]] of devices.entries()) {
      const d = detector.observe(req({ ip: '93.45.12.7', ts: T0 + i * 20 * SEC, userAgent, os }))
      expect(d.reason).toBeNull()
      expect(d.reclassified).toEqual([])
    }
  })

  it('sees a farm spread over a block: twice the burst from several prefixes of one /16', () => {
    const detector = new ScannerDetector()
    const decisions = Array.from({ length: 8 }, (_, i) => detector.observe(req({ ip: `40.94.${10 + i * 17}.${30 + i}`, ts: T0 + i * 3 * SEC })))
    expect(decisions.slice(0, 7).every((d) => d.reason === null)).toBe(true)
    expect(decisions[7]!.reason).toBe('scanner_burst')
    expect(decisions[7]!.reclassified).toHaveLength(7)
    // Another prefix of the block, later: known.
    expect(detector.observe(req({ ip: '40.94.250.1', ts: T0 + 30 * MIN, linkId: 3 })).reason).toBe('scanner_network')
  })

  it('lets a network go once people show up on it', () => {
    const detector = new ScannerDetector()
    for (let i = 0; i < 4; i++) detector.observe(req({ ip: `185.12.1.${i + 2}`, ts: T0 + i * SEC }))
    expect(detector.observe(req({ ip: '185.12.1.50', ts: T0 + 10 * MIN, linkId: 2 })).reason).toBe('scanner_network')
    // The network turns out to be a co-working space: members come back with their cookies.
    for (let i = 0; i < 3; i++) detector.observe(person({ ip: '185.12.1.60', ts: T0 + (20 + i) * MIN, linkId: 4 }))
    expect(detector.observe(req({ ip: '185.12.1.61', ts: T0 + 30 * MIN, linkId: 5 })).reason).toBeNull()
  })

  it('forgets a burst that is not one: four fetches spread over an hour', () => {
    const detector = new ScannerDetector()
    for (let i = 0; i < 4; i++) expect(detector.observe(req({ ip: `40.94.22.${i + 2}`, ts: T0 + i * 20 * MIN })).reason).toBeNull()
  })
})

describe('ScannerDetector: a NAT\'s few addresses, a farm\'s many', () => {
  it('does not take colleagues clicking a chat link on the first day for a gateway: identical laptops, but two addresses', () => {
    const detector = new ScannerDetector()
    for (let i = 0; i < 12; i++) {
      const d = detector.observe(req({ ip: `217.133.244.${185 + (i % 2)}`, ts: T0 + i * 9 * SEC }))
      expect(d.reason).toBeNull()
      expect(d.reclassified).toEqual([])
    }
  })

  it('still sees a farm that fetched twice from one of its hosts, or whose identities vary', () => {
    const detector = new ScannerDetector()
    const hosts = ['102', '28', '135', '102', '77']
    const agents: Array<[string, string]> = [[BROWSER_UAS.chromeWindows, 'Windows'], [BROWSER_UAS.safariMac, 'Mac OS'], ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'Linux'], [BROWSER_UAS.chromeWindows, 'Windows'], [BROWSER_UAS.safariMac, 'Mac OS']]
    const decisions = hosts.map((h, i) => detector.observe(req({ ip: `20.72.100.${h}`, ts: T0 + i * 8 * SEC, userAgent: agents[i]![0], os: agents[i]![1] })))
    expect(decisions.map((d) => d.reason)).toEqual([null, null, null, 'scanner_burst', 'scanner_network'])
    // The first three reclassified with the fourth; the fifth known by its network.
    expect(decisions.map((d) => d.click!.reason)).toEqual(['scanner_burst', 'scanner_burst', 'scanner_burst', 'scanner_burst', 'scanner_network'])
  })
})

describe('ScannerDetector: the vendors\' published mail ranges', () => {
  it('takes a single fetch from a gateway\'s own farm for the gateway, whatever its headers', () => {
    // A ten-person company's newsletter: Safe Links fetches once, from Exchange Online Protection.
    for (const ip of ['104.47.1.254', '40.107.235.18', '52.101.3.4', '40.93.7.7', '148.163.150.9', '67.231.153.2', '205.139.110.77', '91.220.42.5', '185.58.86.1', '209.222.82.33', '64.235.150.1', '2a01:111:f400:7e1b::5']) {
      const detector = new ScannerDetector()
      const d = detector.observe(req({ ip }))
      expect(d.reason, ip).toBe('scanner_network')
      expect(d.reclassified).toEqual([])
    }
  })

  it('leaves the addresses around those ranges alone', () => {
    for (const ip of ['40.94.29.7', '40.106.255.255', '104.47.128.1', '148.163.160.1', '52.104.0.1', '205.139.112.1', '2a01:111:f401::5']) {
      const detector = new ScannerDetector()
      expect(detector.observe(req({ ip })).reason, ip).toBeNull()
    }
  })
})

describe('ScannerDetector: a scan session that keeps its cookie', () => {
  /** A sandboxed browser: a fetch, then 2 s later the same session again with the cookie the first response set. */
  function session(detector: ScannerDetector, ip: string, at: number, linkId = 1) {
    const first = detector.observe(req({ ip, ts: at, linkId }))
    const again = detector.observe(req({ ip, ts: at + 2 * SEC, linkId, humanEvidence: true, cookieId: first.click!.issuedCookieId, issuedCookieId: null }))
    return { first, again }
  }

  it('is not a returning person: the cookie it got seconds ago on this network proves nothing, and the burst takes the repeats too', () => {
    const detector = new ScannerDetector()
    const sessions = [0, 5, 9].map((s, i) => session(detector, `20.72.100.${10 + i}`, T0 + s * SEC))
    for (const { first, again } of sessions) expect([first.reason, again.reason]).toEqual([null, null])
    // The fourth mailbox: four sessions, not seven clients with three people among them.
    const fourth = session(detector, '20.72.100.40', T0 + 20 * SEC)
    expect(fourth.first.reason).toBe('scanner_burst')
    expect(seqs(fourth.first).sort()).toEqual(sessions.flatMap(({ first, again }) => [first.click!.seq, again.click!.seq]).sort())
    // The session of a request known for a scanner's is the scanner.
    expect(fourth.again.reason).toBe('scanner_burst')
  })

  it('is a person when the cookie comes back later, or from another network', () => {
    const detector = new ScannerDetector()
    const first = detector.observe(req({ ip: '93.45.12.7' }))
    const later = detector.observe(req({ ip: '93.45.12.7', ts: T0 + 30 * MIN, humanEvidence: true, cookieId: first.click!.issuedCookieId, issuedCookieId: null }))
    expect(later.click!.humanEvidence).toBe(true)
    const moved = detector.observe(req({ ip: '5.90.13.46', ts: T0 + 10 * SEC, linkId: 2, humanEvidence: true, cookieId: first.click!.issuedCookieId, issuedCookieId: null }))
    expect(moved.click!.humanEvidence).toBe(true)
    expect(later.click!.repeatOf).toBeNull()
  })

  it('leaves a person\'s double tap alone', () => {
    const detector = new ScannerDetector()
    const { first, again } = session(detector, '93.45.12.7', T0)
    expect([first.reason, again.reason]).toEqual([null, null])
    expect(again.click!.repeatOf).toBe(first.click)
  })

  it('does not clear a time-of-click candidate when the checker\'s own session repeats it', () => {
    const detector = new ScannerDetector()
    let check = null as ScannerDecision | null
    let click = null as ScannerDecision | null
    for (let k = 0; k < 3; k++) {
      const at = T0 + k * 60 * MIN
      check = detector.observe(req({ ip: '20.97.33.4', ts: at, linkId: 60 + k, userAgent: EDGE }))
      // Its sandbox reloads the page with the cookie it was given, then the recipient's browser arrives.
      detector.observe(req({ ip: '20.97.33.4', ts: at + 300, linkId: 60 + k, humanEvidence: true, cookieId: check.click!.issuedCookieId, issuedCookieId: null, userAgent: EDGE }))
      click = detector.observe(person({ ip: `93.45.${k}.7`, ts: at + 1500, linkId: 60 + k, userAgent: BROWSER_UAS.safariMac, os: 'Mac OS' }))
    }
    expect(click!.reclassified.map((c) => c.reason)).toContain('time_of_click')
    expect(check!.click!.reason).toBe('time_of_click')
  })
})

describe('ScannerDetector: phones are people', () => {
  it('does not take four first-time phones on a carrier\'s NAT for a gateway (two operating systems, but phones)', () => {
    const detector = new ScannerDetector()
    const phones: Array<[string, string]> = [[BROWSER_UAS.safariIphone, 'iOS'], [BROWSER_UAS.chromeAndroid, 'Android'], [BROWSER_UAS.safariIphone, 'iOS'], [BROWSER_UAS.chromeAndroid, 'Android'], [BROWSER_UAS.safariIphone, 'iOS']]
    for (const [i, [userAgent, os]] of phones.entries()) {
      const d = detector.observe(req({ ip: `5.90.12.${40 + (i % 3)}`, ts: T0 + i * 15 * SEC, userAgent, os }))
      expect(d.reason).toBeNull()
      expect(d.reclassified).toEqual([])
    }
  })

  it('does not take an office\'s Macs for a gateway once a phone joins the burst', () => {
    const detector = new ScannerDetector()
    const office: Array<[string, string]> = [[BROWSER_UAS.safariMac, 'Mac OS'], [BROWSER_UAS.safariMac, 'Mac OS'], [BROWSER_UAS.chromeAndroid, 'Android'], [BROWSER_UAS.safariMac, 'Mac OS']]
    for (const [i, [userAgent, os]] of office.entries()) expect(detector.observe(req({ ip: '62.94.59.238', ts: T0 + i * 20 * SEC, userAgent, os })).reason).toBeNull()
  })

  it('takes a network where phones browse for people: a later desktop burst there is colleagues', () => {
    const detector = new ScannerDetector()
    for (let i = 0; i < 3; i++) detector.observe(req({ ip: '62.94.77.245', ts: T0 + i * MIN, linkId: 70 + i, userAgent: BROWSER_UAS.chromeAndroid, os: 'Android' }))
    for (let i = 0; i < 6; i++) expect(detector.observe(req({ ip: '62.94.77.241', ts: T0 + 2 * 60 * MIN + i * 10 * SEC, linkId: 80 })).reason).toBeNull()
  })
})

describe('ScannerDetector: time-of-click checks', () => {
  /** Safe Links fetches from its network a second before the recipient's own request arrives from theirs. */
  function clickThrough(detector: ScannerDetector, at: number, linkId: number, checker: string, clicker: string) {
    const check = detector.observe(req({ ip: checker, ts: at, linkId, userAgent: EDGE }))
    const click = detector.observe(person({ ip: clicker, ts: at + 1200, linkId, userAgent: BROWSER_UAS.safariMac, os: 'Mac OS' }))
    return { check, click }
  }

  it('confirms a checker on its third pre-check and reclassifies all three', () => {
    const detector = new ScannerDetector()
    const a = clickThrough(detector, T0, 11, '40.94.30.4', '93.45.12.7')
    const b = clickThrough(detector, T0 + 40 * MIN, 12, '40.94.30.9', '151.20.4.9')
    expect([a.click.reason, b.click.reason]).toEqual([null, null])
    expect([...a.click.reclassified, ...b.click.reclassified]).toEqual([])
    const c = clickThrough(detector, T0 + 3 * 60 * MIN, 13, '40.94.30.17', '2.36.1.10')
    expect(c.click.reason).toBeNull()
    expect(seqs(c.click).sort()).toEqual([a.check.click!.seq, b.check.click!.seq, c.check.click!.seq].sort())
    expect(c.click.reclassified.every((k) => k.reason === 'time_of_click')).toBe(true)
    // From now on the checker is flagged at its own request.
    expect(clickThrough(detector, T0 + 5 * 60 * MIN, 14, '40.94.30.33', '79.13.4.4').check.reason).toBe('scanner_network')
  })

  it('takes no pair on a busy link, where another click follows any request by chance', () => {
    const detector = new ScannerDetector()
    for (let round = 0; round < 5; round++) {
      const at = T0 + round * 60 * MIN
      // A popular post: a click every couple of seconds from all over.
      for (let i = 0; i < 30; i++) detector.observe(person({ ip: `${80 + (i % 20)}.${i}.3.4`, ts: at + i * 2 * SEC, linkId: 20 + round, os: 'iOS' }))
      const pre = detector.observe(req({ ip: '5.90.13.46', ts: at + 61 * SEC, linkId: 20 + round, os: 'Android' }))
      const next = detector.observe(person({ ip: '37.1.2.3', ts: at + 62 * SEC, linkId: 20 + round }))
      expect(pre.reason).toBeNull()
      expect(next.reclassified).toEqual([])
    }
  })

  it('is not fooled by one browser moving from Wi-Fi to mobile data', () => {
    const detector = new ScannerDetector()
    for (let i = 0; i < 4; i++) {
      const wifi = detector.observe(req({ ip: '93.45.12.7', ts: T0 + i * 60 * MIN, linkId: 30 + i, os: 'iOS' }))
      // The same phone a second later on the carrier, sending the cookie the first response set.
      const mobile = detector.observe(req({ ip: '5.90.13.46', ts: T0 + i * 60 * MIN + 900, linkId: 30 + i, humanEvidence: true, cookieId: wifi.click!.issuedCookieId, os: 'iOS' }))
      expect(mobile.reclassified).toEqual([])
    }
  })

  it('clears a candidate whose browser later comes back with its cookie', () => {
    const detector = new ScannerDetector()
    const pre = [0, 1].map((k) => clickThrough(detector, T0 + k * 60 * MIN, 40 + k, '88.1.2.3', `93.45.${k}.7`).check)
    // The first "pre-check" was a person: their browser comes back with the cookie it was given.
    detector.observe(req({ ip: '88.1.2.3', ts: T0 + 150 * MIN, linkId: 50, humanEvidence: true, cookieId: pre[0]!.click!.issuedCookieId }))
    const third = clickThrough(detector, T0 + 200 * MIN, 42, '88.1.2.3', '2.36.1.10')
    expect(third.click.reclassified).toEqual([])
  })
})

describe('ScannerDetector: what it does not judge', () => {
  it('leaves private, loopback and unparseable addresses alone (an untrusted proxy, a LAN)', () => {
    const detector = new ScannerDetector()
    for (const ip of ['127.0.0.1', '10.0.0.8', '192.168.1.20', '172.20.0.3', '100.64.3.3', '::1', 'fd00::5', 'fe80::1', 'not-an-ip', '']) {
      for (let i = 0; i < 6; i++) {
        const d = detector.observe(req({ ip, ts: T0 + i * SEC }))
        expect(d).toEqual({ reason: null, click: null, reclassified: [] })
      }
    }
    expect(detector.networks).toBe(0)
  })

  it('ignores a request without a usable time', () => {
    const detector = new ScannerDetector()
    expect(detector.observe(req({ ip: '40.94.29.1', ts: Number.NaN })).click).toBeNull()
  })

  it('finds the /16 or /48 around public addresses only', () => {
    expect(blockOf('40.94.29.7')).toBe('40.94.0.0/16')
    expect(blockOf('2a01:111:f400:7e1b::5')).toBe('2a01:111:f400::/48')
    expect(blockOf('2001:db8::1')).toBe('2001:db8:0::/48')
    expect(blockOf('100.127.255.1')).toBeNull()
    expect(blockOf('100.128.0.1')).toBe('100.128.0.0/16')
    expect(blockOf('x'.repeat(10_000))).toBeNull()
    expect(blockOf('1.2.3')).toBeNull()
  })
})

describe('ScannerDetector: bounded state', () => {
  it('stays within its bounds whatever the traffic', () => {
    const detector = new ScannerDetector({ maxLinks: 100, maxNetworks: 500, maxTracked: 1000, maxCandidates: 50 })
    let x = 1
    const rand = () => ((x = (x * 48271) % 2147483647) / 2147483647)
    for (let i = 0; i < 60_000; i++) {
      const ip = `${1 + Math.floor(rand() * 220)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}`
      detector.observe(req({ ip, ts: T0 + i * 50, linkId: Math.floor(rand() * 5000), humanEvidence: rand() < 0.3 }))
    }
    expect(detector.networks).toBeLessThanOrEqual(1000)
    expect(detector.remembered).toBeLessThanOrEqual(1050)
    expect(detector.windowed).toBeLessThanOrEqual(1050)
  })

  it('lets go of quiet links\' windows: a burst on each of many links, then silence elsewhere', () => {
    const detector = new ScannerDetector({ maxTracked: 2000 })
    // 2 000 links, 60 cookieless requests each within a minute, from people's homes.
    let t = T0
    for (let link = 0; link < 2000; link++) {
      for (let i = 0; i < 60; i++) detector.observe(req({ ip: `${80 + (i % 50)}.${link % 200}.${i}.9`, ts: (t += 10), linkId: link, humanEvidence: i % 3 === 0 }))
    }
    // Later traffic on one link only: every other link's window empties as its clicks leave the recent window.
    for (let i = 0; i < 3000; i++) detector.observe(req({ ip: `151.20.${i % 250}.9`, ts: T0 + 10 * MIN + i * 100, linkId: 999_999, humanEvidence: true }))
    expect(detector.windowed).toBeLessThanOrEqual(2000 + 4096)
  })

  // Its cost per request is bench/identity.ts's to measure; a test on a shared machine checks the bound, not a time.
  it('keeps its memory at its bound on a flood', () => {
    const detector = new ScannerDetector()
    for (let i = 0; i < 20_000; i++) detector.observe(req({ ip: `40.94.${i % 200}.${i % 250}`, ts: T0 + i, userAgent: 'Mozilla/5.0 ' + 'x'.repeat(500) }))
    expect(detector.remembered).toBeLessThanOrEqual(65_536)
  })

  it('tolerates time going backwards (a replayed file out of order)', () => {
    const detector = new ScannerDetector()
    detector.observe(req({ ip: '40.94.29.1', ts: T0 + 10 * MIN }))
    expect(() => detector.observe(req({ ip: '40.94.29.2', ts: T0 }))).not.toThrow()
  })
})
