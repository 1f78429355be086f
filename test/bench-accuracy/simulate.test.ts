import { describe, expect, it } from 'vitest'
import type { Simulation } from '../../bench/accuracy/simulate.js'
import { simulate } from '../../bench/accuracy/simulate.js'
import { Prng } from '../../bench/accuracy/prng.js'

// Small worlds keep the file fast; the properties are the same at full size.
const cache = new Map<string, Simulation>()
function sim(profile: 'mixed' | 'office' | 'mobile' | 'household', sdkShare = 0.8, seed = 3): Simulation {
  const key = `${profile}|${sdkShare}|${seed}`
  let s = cache.get(key)
  if (!s) cache.set(key, (s = simulate({ profile, seed, sdkShare, people: profile === 'office' ? 260 : 180, days: 10 })))
  return s
}

describe('Prng', () => {
  it('is deterministic under its seed and forks independent streams', () => {
    const a = new Prng('x')
    const b = new Prng('x')
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()))
    expect(new Prng('x').fork('a').next()).not.toBe(new Prng('x').fork('b').next())
    const r = new Prng('y')
    for (let i = 0; i < 1000; i++) {
      const v = r.next()
      expect(v).toBeGreaterThanOrEqual(0)
      expect(v).toBeLessThan(1)
    }
  })
})

describe('simulate', () => {
  it('is deterministic under the seed, and the seed matters', () => {
    const a = simulate({ profile: 'household', seed: 11, sdkShare: 0.8, people: 60, days: 5 })
    const b = simulate({ profile: 'household', seed: 11, sdkShare: 0.8, people: 60, days: 5 })
    const c = simulate({ profile: 'household', seed: 12, sdkShare: 0.8, people: 60, days: 5 })
    expect(JSON.stringify(b)).toBe(JSON.stringify(a))
    expect(JSON.stringify(c.clicks)).not.toBe(JSON.stringify(a.clicks))
  })

  it('changes only the SDK headers when the SDK share changes', () => {
    const a = sim('mixed', 0.8)
    const b = sim('mixed', 0)
    const strip = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).filter(([k]) => !k.startsWith('x-')))
    expect(b.clicks.length).toBe(a.clicks.length)
    a.clicks.forEach((c, i) => {
      const d = b.clicks[i]!
      expect({ ...d, headers: strip(d.headers) }).toEqual({ ...c, headers: strip(c.headers) })
    })
    expect(b.clicks.some((c) => c.headers['x-device-fingerprint'])).toBe(false)
    const human = a.truth.filter((t) => !t.bot)
    const withSdk = human.filter((t) => a.clicks.find((c) => c.id === t.id)!.headers['x-device-fingerprint']).length / human.length
    expect(withSdk).toBeGreaterThan(0.65)
    expect(withSdk).toBeLessThan(0.85)
  })

  for (const profile of ['mixed', 'office', 'mobile', 'household'] as const) {
    it(`${profile}: every click has its truth, in the replay format, sorted by time`, () => {
      const s = sim(profile)
      expect(s.clicks.length).toBeGreaterThan(100)
      expect(s.truth.map((t) => t.id)).toEqual(s.clicks.map((c) => c.id))
      const slugs = new Set(s.links.map((l) => l.slug))
      for (const c of s.clicks) {
        expect(c.type).toBe('click')
        expect(['GET', 'HEAD']).toContain(c.method)
        expect(slugs.has(c.path.slice(1))).toBe(true)
        expect(c.ip).toMatch(/^(\d+\.\d+\.\d+\.\d+|[0-9a-f:]+)$/)
        expect(c.jar).toMatch(/^j\d+$/)
        expect(Number.isNaN(Date.parse(c.ts))).toBe(false)
      }
      for (let i = 1; i < s.clicks.length; i++) expect(Date.parse(s.clicks[i]!.ts)).toBeGreaterThanOrEqual(Date.parse(s.clicks[i - 1]!.ts))
      for (const t of s.truth) {
        expect(slugs.has(t.link)).toBe(true)
        if (!t.bot) expect(t.personId).toMatch(/^p\d+$/)
        else expect(t.personId).toBeNull()
      }
      // Humans send a browser's headers; Chromium sends client hints, WebKit and Gecko do not.
      for (const [i, t] of s.truth.entries()) {
        if (t.bot) continue
        const h = s.clicks[i]!.headers
        expect(h['user-agent']).toMatch(/^Mozilla\/5\.0 /)
        expect(h['accept']).toContain('text/html')
        expect(h['accept-language']).toBeTruthy()
        if (/Firefox\/|FxiOS|Version\/[\d.]+ (Mobile\/\w+ )?Safari|CriOS/.test(h['user-agent']!) && !/Chrome\//.test(h['user-agent']!)) expect(h['sec-ch-ua']).toBeUndefined()
      }
    })
  }

  it('gives every private window a fresh jar that no other window or browser uses', () => {
    const s = sim('mixed')
    const users = new Map<string, Set<string>>()
    const privateJars = new Set<string>()
    s.truth.forEach((t, i) => {
      const jar = s.clicks[i]!.jar
      if (t.private) privateJars.add(jar)
      let u = users.get(jar)
      if (!u) users.set(jar, (u = new Set()))
      u.add(`${t.browserId}|${t.private ? 'p' : 'n'}`)
    })
    expect(privateJars.size).toBeGreaterThan(3)
    for (const jar of privateJars) expect(users.get(jar)!.size).toBe(1)
    // and every jar belongs to one browser install (cookies are never shared across installs)
    for (const u of users.values()) expect(new Set([...u].map((x) => x.split('|')[0])).size).toBe(1)
    // one install has several jars over time (private windows, clearing, Safari's purge)
    const jarsPerInstall = new Map<string, Set<string>>()
    s.truth.forEach((t, i) => {
      if (t.bot) return
      let j = jarsPerInstall.get(t.browserId)
      if (!j) jarsPerInstall.set(t.browserId, (j = new Set()))
      j.add(s.clicks[i]!.jar)
    })
    expect([...jarsPerInstall.values()].some((j) => j.size > 1)).toBe(true)
  })

  for (const profile of ['household', 'office'] as const) {
    it(`${profile}: identical devices collide — same UA from one address, same SDK device hash from different devices`, () => {
      const s = sim(profile)
      expect(s.meta.counts.clicksOnTwinDevices).toBeGreaterThan(0)
      const fpDevices = new Map<string, Set<string>>()
      const ipUaDevices = new Map<string, Set<string>>()
      s.truth.forEach((t, i) => {
        if (t.bot) return
        const c = s.clicks[i]!
        const fp = c.headers['x-device-fingerprint']
        if (fp) {
          let set = fpDevices.get(fp)
          if (!set) fpDevices.set(fp, (set = new Set()))
          set.add(t.deviceId)
        }
        const k = `${c.ts.slice(0, 10)}|${c.ip}|${c.headers['user-agent']}`
        let set2 = ipUaDevices.get(k)
        if (!set2) ipUaDevices.set(k, (set2 = new Set()))
        set2.add(t.deviceId)
      })
      expect([...fpDevices.values()].some((d) => d.size > 1)).toBe(true)
      expect([...ipUaDevices.values()].some((d) => d.size > 1)).toBe(true)
    })
  }

  it('has bots of every kind the issue lists', () => {
    const s = sim('mixed')
    const kinds = new Set(s.truth.filter((t) => t.bot).map((t) => t.botKind))
    for (const k of ['crawler', 'preview', 'preview-sender', 'mail-scanner']) expect(kinds).toContain(k)
    expect(s.clicks.some((c) => c.method === 'HEAD')).toBe(true)
    // previews fetched from the sender's own phone come from an address humans also use
    const humanIps = new Set(s.truth.filter((t) => !t.bot).map((t) => s.clicks.find((c) => c.id === t.id)!.ip))
    const senderPreviews = s.truth.filter((t) => t.botKind === 'preview-sender').map((t) => s.clicks.find((c) => c.id === t.id)!)
    expect(senderPreviews.some((c) => humanIps.has(c.ip))).toBe(true)
    // scanners use browser-like user agents
    const scanners = s.truth.filter((t) => t.botKind === 'mail-scanner').map((t) => s.clicks.find((c) => c.id === t.id)!.headers['user-agent'] ?? '')
    expect(scanners.some((ua) => /^Mozilla\/5\.0 \(Windows NT 10\.0; Win64; x64\) AppleWebKit\/537\.36 \(KHTML, like Gecko\) Chrome\/\d+\.0\.0\.0 Safari\/537\.36$/.test(ua))).toBe(true)
  })

  it('models networks: IPv6 privacy addresses, NAT shared by devices, devices changing address', () => {
    const s = sim('household')
    const human = s.truth.flatMap((t, i) => (t.bot ? [] : [{ t, c: s.clicks[i]! }]))
    expect(human.some(({ c }) => c.ip.includes(':'))).toBe(true)
    const devicesPerIp = new Map<string, Set<string>>()
    const ipsPerDevice = new Map<string, Set<string>>()
    for (const { t, c } of human) {
      if (!devicesPerIp.has(c.ip)) devicesPerIp.set(c.ip, new Set())
      devicesPerIp.get(c.ip)!.add(t.deviceId)
      if (!ipsPerDevice.has(t.deviceId)) ipsPerDevice.set(t.deviceId, new Set())
      ipsPerDevice.get(t.deviceId)!.add(c.ip)
    }
    expect([...devicesPerIp.values()].some((d) => d.size >= 3)).toBe(true)
    expect([...ipsPerDevice.values()].some((d) => d.size >= 3)).toBe(true)
  })

  it('lets browsers auto-update: one install shows two versions within the window', () => {
    const s = simulate({ profile: 'mixed', seed: 5, sdkShare: 0, people: 200, days: 40 })
    const versions = new Map<string, Set<string>>()
    s.truth.forEach((t, i) => {
      if (t.bot) return
      const m = /(Chrome|Firefox|Version)\/(\d+(?:\.\d+)?)/.exec(s.clicks[i]!.headers['user-agent'] ?? '')
      if (!m) return
      if (!versions.has(t.browserId)) versions.set(t.browserId, new Set())
      versions.get(t.browserId)!.add(m[2]!)
    })
    expect([...versions.values()].some((v) => v.size > 1)).toBe(true)
  })
})

describe('bot worlds (bench/accuracy/bot-world.ts)', () => {
  const small = (bots?: string) => simulate({ profile: 'office', seed: 9, sdkShare: 0, people: 240, days: 7, ...(bots ? { bots } : {}) })
  // Ids are numbered in time order over humans and bots alike: compare the requests without them.
  const humans = (s: Simulation) => s.clicks.filter((_, i) => !s.truth[i]!.bot).map(({ id: _id, ...c }) => c)

  it('keeps the default world the default: naming it changes nothing, and meta says nothing', () => {
    const a = small()
    const b = small('default')
    expect(JSON.stringify(b)).toBe(JSON.stringify(a))
    expect(a.meta.bots).toBeUndefined()
    expect(() => small('no-such-world')).toThrow(/unknown bot world/)
  })

  it('moves only the bots when only bot knobs move, deterministically', () => {
    const base = small()
    for (const world of ['modern-ua', 'cookies', 'unlisted-egress', 'head-get', 'click-time-all']) {
      const s = small(world)
      expect(JSON.stringify(small(world))).toBe(JSON.stringify(s))
      expect(humans(s)).toEqual(humans(base))
      expect(s.meta.bots).toBe(world)
    }
  })

  it('models what each knob says', () => {
    const scanners = (s: Simulation) => s.clicks.filter((_, i) => s.truth[i]!.botKind === 'mail-scanner')
    const modern = scanners(small('modern-ua'))
    expect(modern.length).toBeGreaterThan(20)
    expect(modern.every((c) => c.headers['sec-fetch-mode'] === 'navigate' && c.headers['sec-ch-ua'] && c.headers['accept-language'])).toBe(true)
    // A session that keeps its cookie: some second fetch shares the first one's jar and address.
    const kept = scanners(small('cookies'))
    const jars = new Map<string, string[]>()
    for (const c of kept) jars.set(c.jar, [...(jars.get(c.jar) ?? []), c.ip])
    expect([...jars.values()].some((ips) => ips.length === 2 && ips[0] === ips[1])).toBe(true)
    const headGet = scanners(small('head-get'))
    expect(headGet.filter((c) => c.method === 'HEAD').length).toBe(headGet.filter((c) => c.method === 'GET').length)
    const offices = small('small-offices')
    expect(new Set(humans(offices).map((c) => c.ip)).size).toBeGreaterThan(0)
    expect(offices.meta.counts.human).not.toBe(small().meta.counts.human)
  })
})

describe('simulate, bridge mode', () => {
  it('puts the signals on the first click of every new browser context, never on a returning one, nor under DNT or GPC; the rest of the traffic is direct mode\'s', () => {
    const direct = simulate({ profile: 'household', seed: 3, sdkShare: 0, people: 180, days: 10 })
    const bridge = simulate({ profile: 'household', seed: 3, sdkShare: 0, redirectMode: 'bridge', people: 180, days: 10 })
    expect(bridge.meta.redirectMode).toBe('bridge')
    expect(bridge.clicks.map((c) => [c.ts, c.ip, c.jar, c.headers['user-agent']])).toEqual(direct.clicks.map((c) => [c.ts, c.ip, c.jar, c.headers['user-agent']]))
    const truth = new Map(bridge.truth.map((t) => [t.id, t]))
    const jarsSeen = new Set<string>()
    let bridged = 0
    let firstContacts = 0
    for (const c of bridge.clicks) {
      if (truth.get(c.id)!.bot) {
        expect(c.headers['x-device-fingerprint']).toBeUndefined()
        continue
      }
      const first = !jarsSeen.has(c.jar)
      jarsSeen.add(c.jar)
      const signals = c.headers['x-device-fingerprint'] !== undefined
      if (signals) bridged++
      if (first && c.headers['dnt'] !== '1' && c.headers['sec-gpc'] !== '1') firstContacts++
      if (!first || c.headers['dnt'] === '1' || c.headers['sec-gpc'] === '1') expect(signals).toBe(false)
    }
    // Only installs whose blocker stops fingerprinting scripts (a few per cent) miss it on first contact.
    expect(bridged).toBeGreaterThan(0.9 * firstContacts)
    expect(bridged).toBeLessThanOrEqual(firstContacts)
  })
})
