import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { BotWorld } from './bot-world.js'
import { botWorld, DEFAULT_WORLD, worldCarriers, worldProfile } from './bot-world.js'
import { Bots } from './bots.js'
import type { BrowserInstall, RequestContext } from './browsers.js'
import { Browsers } from './browsers.js'
import type { Device } from './devices.js'
import { Devices } from './devices.js'
import type { Via } from './links.js'
import { Links } from './links.js'
import { LocalClock } from './local-clock.js'
import type { Place } from './networks.js'
import { Networks } from './networks.js'
import type { Person } from './population.js'
import { Population } from './population.js'
import { Prng } from './prng.js'
import type { ProfileName } from './profiles.js'
import { profiles } from './profiles.js'
import { ReleaseTrain } from './release-train.js'
import { SdkSignals } from './sdk-signals.js'
import { Sessions } from './sessions.js'
import type { ClickDraft, ClickLine, LinkLine, TruthLine } from './types.js'
import { UaCatalog } from './ua-catalog.js'
import type { Whereabout } from './whereabouts.js'
import { Whereabouts } from './whereabouts.js'

const DAY = 86_400_000

export interface SimulateOptions {
  profile: ProfileName
  seed: number | string
  /** share of human clicks on which the SDK ran (0 = plain redirects) */
  sdkShare: number
  /**
   * linkprint's REDIRECT_MODE. `bridge`: the first click of every new browser context (no
   * cookie yet: a new browser or in-app view, a private window, cleared or purged cookies)
   * gets the bridge page, whose script sends the SDK's signals with the click, unless the
   * request carries DNT or GPC (they always get the plain redirect) or the install's blocker
   * stops fingerprinting scripts; returning browsers click plain. Added to the SDK share's
   * clicks. `direct` (the default): only the SDK share carries signals.
   */
  redirectMode?: RedirectMode
  people?: number
  days?: number
  /** ISO date of the window's start (UTC midnight); a Monday by default */
  start?: string
  /** How the bots (and the people a bot rule could mistake) behave: a world of bot-world.ts, by name; the default world when absent */
  bots?: string | BotWorld
}

export type RedirectMode = 'direct' | 'bridge'

export interface SimulationMeta {
  profile: ProfileName
  seed: string
  sdkShare: number
  /** present when not `direct` */
  redirectMode?: RedirectMode
  people: number
  days: number
  start: string
  links: Array<{ slug: string; kind: string }>
  /** the bot world, when it is not the default one */
  bots?: string
  counts: {
    clicks: number
    human: number
    bot: number
    persons: number
    devices: number
    installs: number
    devicesThatClicked: number
    installsThatClicked: number
    /** share of human clicks that carried SDK headers */
    sdkClicks: number
    privateClicks: number
    /** human clicks whose device has an identical twin (same model, OS, settings) among the devices that clicked */
    clicksOnTwinDevices: number
    /** devices that clicked with the SDK whose X-Device-Fingerprint some other device also sent */
    sdkDevicesSharingAFingerprint: number
    sdkDevices: number
    /** distinct IPs per clicking device (mean) and devices per IP (mean) */
    ipsPerDevice: number
    devicesPerIp: number
    jarsPerInstall: number
  }
  botKinds: Record<string, number>
}

export interface Simulation {
  links: LinkLine[]
  clicks: ClickLine[]
  truth: TruthLine[]
  meta: SimulationMeta
}

interface Resolved {
  device: Device
  install: BrowserInstall
  private: boolean
}

/**
 * Generates a replayable traffic file with known truth: person → devices →
 * browser installs → private sessions. Pure and deterministic under the
 * seed: the same options give byte-identical output.
 */
export function simulate(opts: SimulateOptions): Simulation {
  const world = typeof opts.bots === 'string' ? botWorld(opts.bots) : (opts.bots ?? DEFAULT_WORLD)
  const seed = String(opts.seed)
  if (!profiles[opts.profile]) throw new Error(`unknown profile ${opts.profile}`)
  const profile = worldProfile(profiles[opts.profile], world, new Prng(`linkprint-accuracy/${seed}/${opts.profile}/world`))
  const people = opts.people ?? profile.defaults.people
  const days = opts.days ?? profile.defaults.days
  const start = Date.parse(opts.start ?? '2026-10-05T00:00:00Z')
  const end = start + days * DAY
  const root = new Prng(`linkprint-accuracy/${seed}/${profile.name}`)
  const catalog = UaCatalog.load()
  const clock = new LocalClock()
  const releases = new ReleaseTrain(catalog.current, start, root.fork('releases'))
  const networks = new Networks(`${root.seed}/net`, start, end, undefined, worldCarriers(world))
  const devices = new Devices(catalog, root.fork('devices'))
  const browsers = new Browsers(root.fork('browsers'), releases)
  const pop = Population.build({ rng: root.fork('population'), profile, people, networks, devices, browsers, start, end })
  const crowds = { ...(world.crowd ? { newsletter: 0.35 } : {}), ...(world.cgnatCrowd ? { social: 0.25 } : {}) }
  const links = Links.build({ rng: root.fork('links'), clock, pop, profile, start, end, scale: people / profile.defaults.people, crowds })
  const where = new Whereabouts(`${root.seed}/where`, clock)
  const sessions = new Sessions(`${root.seed}/sessions`, start, end)
  const sdk = new SdkSignals(releases)
  // A separate stream for the click-by-click choices, and one for the SDK coin, so that changing
  // the SDK share changes nothing else in the traffic.
  const rng = root.fork('clicks')
  const sdkRng = root.fork('sdk')
  const bridge = opts.redirectMode === 'bridge'
  /** Cookie jars that have clicked: the bridge is served to a jar's first click only (it holds the cookie afterwards). */
  const jarsSeen = new Set<string>()
  const personById = new Map(pop.persons.map((p) => [p.id, p] as const))
  const officeById = new Map(pop.offices.map((o) => [o.id, o] as const))

  const placeOf = (person: Person, device: Device, w: Whereabout, r: Prng): Place => {
    const office = device.officeId ? officeById.get(device.officeId) : person.officeId ? officeById.get(person.officeId) : undefined
    const vpn = person.vpnDevices.has(device.id) && r.chance(0.8)
    if (vpn) return { kind: 'vpn' }
    const phoneLike = device.kind === 'phone' || device.kind === 'tablet'
    switch (w.loc) {
      case 'home':
        if (device.kind === 'work-laptop' && office?.fullTunnel) return { kind: 'corp-vpn', office: office.net }
        // Phones at home are on Wi-Fi most of the time (mobile data when Wi-Fi is flaky or off).
        if (device.kind === 'phone' && r.chance(0.12)) return { kind: 'mobile', carrier: person.carrier }
        return { kind: 'home', home: pop.households.find((h) => h.id === person.householdId)?.home ?? person.home }
      case 'office':
        if (!office) return device.kind === 'phone' ? { kind: 'mobile', carrier: person.carrier } : { kind: 'home', home: person.home }
        if (device.kind === 'work-laptop') return { kind: 'office', office: office.net, guest: false }
        if (phoneLike) {
          const u = r.next()
          if (u < 0.4) return { kind: 'mobile', carrier: person.carrier }
          return { kind: 'office', office: office.net, guest: u < 0.85 }
        }
        return { kind: 'office', office: office.net, guest: true }
      case 'commute':
        return { kind: 'mobile', carrier: person.carrier }
      case 'out':
        return r.chance(phoneLike ? 0.25 : 0.9) ? { kind: 'cafe', cafe: networks.randomCafe(r) } : { kind: 'mobile', carrier: person.carrier }
      case 'travel':
        if (device.kind === 'work-laptop' && office?.fullTunnel) return { kind: 'corp-vpn', office: office.net }
        // Abroad in the EU, roaming is home-routed: the phone keeps its carrier's addresses.
        if (w.trip && (!phoneLike || r.chance(0.55))) return { kind: 'hotel', hotel: w.trip.hotel }
        return { kind: 'mobile', carrier: person.carrier }
    }
  }

  const shownTz = (device: Device, w: Whereabout): string => (w.loc === 'travel' && w.trip?.hotel.abroad && device.mobile ? w.trip.hotel.tz : device.tz)

  const pickDevice = (person: Person, w: Whereabout, via: Via, exclude: string | undefined, r: Prng): Device | undefined => {
    const usable = person.devices.filter((d) => d.id !== exclude && deviceAt(d, w, person))
    if (usable.length === 0) return person.devices.find((d) => d.id !== exclude && d.kind === 'phone') ?? person.devices.find((d) => d.id !== exclude)
    const weights = usable.map((d) => [d, deviceWeight(d, via, w)] as const)
    return r.weighted(weights.some(([, x]) => x > 0) ? weights : usable.map((d) => [d, 1] as const))
  }

  const pickInstall = (person: Person, device: Device, via: Via, r: Prng): { install: BrowserInstall; viaApp?: string } => {
    const installs = pop.installsOf(device.id)
    const def = installs.find((i) => i.isDefault) ?? installs[0]!
    const phoneLike = device.kind === 'phone' || device.kind === 'tablet'
    if (phoneLike) {
      const inApp = installs.find((i) => i.app === via)
      if (inApp && (inApp.family === 'sfsvc' || r.chance(0.85))) return { install: inApp }
      if (via === 'email' && person.apps.includes('gmail')) {
        const gm = installs.find((i) => i.app === 'gmail')
        if (gm) return { install: gm }
        return { install: def, viaApp: 'com.google.android.gm' }
      }
      if (via === 'x') return { install: def, viaApp: 'com.twitter.android' }
      const browsersOnly = installs.filter((i) => !i.app)
      if (browsersOnly.length > 1 && r.chance(0.15)) return { install: r.pick(browsersOnly.filter((i) => !i.isDefault)) }
      return { install: def }
    }
    // Outlook and Teams open links in Edge on managed Windows machines (Microsoft, 2023) for many fleets.
    if (device.kind === 'work-laptop' && (via === 'email' || via === 'teams')) {
      const edge = installs.find((i) => i.family === 'edge')
      if (edge && r.chance(0.6)) return { install: edge }
    }
    if (installs.length > 1 && r.chance(0.22)) return { install: r.pick(installs.filter((i) => !i.isDefault)) }
    return { install: def }
  }

  const refererFor = (via: Via, device: Device, r: Prng): string | undefined => {
    switch (via) {
      case 'instagram':
        return 'https://l.instagram.com/'
      case 'facebook':
        return device.kind === 'phone' ? 'https://lm.facebook.com/' : 'https://l.facebook.com/'
      case 'linkedin':
        return 'https://www.linkedin.com/'
      case 'x':
        return 'https://t.co/'
      case 'web':
        return r.pick(['https://www.google.com/', 'https://blog.example.it/', 'https://forum.example.net/', 'https://www.facebook.com/', 'https://www.linkedin.com/'])
      case 'email':
        // Web mail strips the referrer; a few send the origin.
        return device.kind !== 'phone' && r.chance(0.1) ? 'https://outlook.office.com/' : undefined
      default:
        return undefined
    }
  }

  const humanDrafts: ClickDraft[] = []
  const resolved = new Map<number, Resolved>()
  const siteOf = new Map(links.links.map((l) => [l.slug, l.site] as const))
  const sorted = links.intents
  for (const intent of sorted) {
    const person = personById.get(intent.personId)
    if (!person) continue
    const w = where.at(person, intent.t)
    let res: Resolved | undefined
    let viaApp: string | undefined
    const parent = intent.repeatOf !== undefined ? resolved.get(intent.repeatOf) : undefined
    const reopened = intent.reopenOf !== undefined ? resolved.get(intent.reopenOf) : undefined
    if (parent) {
      res = parent
    } else if (reopened) {
      // Same device, another browser: the default one when leaving an in-app view, else any other.
      const others = pop.installsOf(reopened.device.id).filter((i) => i.id !== reopened.install.id && !i.app)
      const def = others.find((i) => i.isDefault)
      const install = reopened.install.app && def ? def : others.length > 0 ? rng.pick(others) : reopened.install
      res = { device: reopened.device, install, private: install === reopened.install ? reopened.private : !install.app && rng.chance(person.privateRate) }
    } else {
      const exclude = intent.otherDeviceThan !== undefined ? resolved.get(intent.otherDeviceThan)?.device.id : undefined
      const device = pickDevice(person, w, intent.via, exclude, rng)
      if (!device) continue
      const choice = pickInstall(person, device, intent.via, rng)
      viaApp = choice.viaApp
      const inApp = choice.install.app !== undefined
      const priv = !inApp && rng.chance(device.kind === 'phone' ? person.privateRate * 0.7 : person.privateRate)
      res = { device, install: choice.install, private: priv }
    }
    resolved.set(intent.key, res)
    const { device, install } = res
    const jar = sessions.jar(install, intent.t, res.private, siteOf.get(intent.link))
    const place = placeOf(person, device, w, rng)
    const ip = networks.address(place, device.id, intent.t)
    const ctx: RequestContext = { private: res.private, ...(viaApp ? { viaApp } : {}) }
    const referer = refererFor(intent.via, device, rng)
    if (referer) ctx.referer = referer
    const headers = browsers.headers(install, device, intent.t, ctx)
    const newContext = !jarsSeen.has(jar.jar)
    jarsSeen.add(jar.jar)
    const bridged = bridge && newContext && !install.sdkBlocked && headers['dnt'] !== '1' && headers['sec-gpc'] !== '1'
    // The SDK coin is drawn whatever the mode, so that the bridge changes nothing else in the traffic.
    const sdkRan = (!install.sdkBlocked && sdkRng.chance(opts.sdkShare)) || bridged
    if (sdkRan) Object.assign(headers, sdk.headers(install, device, intent.t, { storageKey: jar.jar, private: res.private, tz: shownTz(device, w), userAgent: headers['user-agent'] ?? '' }))
    humanDrafts.push({
      t: intent.t,
      method: 'GET',
      path: `/${intent.link}`,
      ip,
      jar: jar.jar,
      headers,
      truth: { personId: person.id, deviceId: device.id, browserId: install.id, bot: false, link: intent.link, private: res.private, sdk: sdkRan },
    })
  }

  const bots = new Bots(root.fork('bots'), sessions, releases, start, end, world)
  const senderPhone = (person: Person, t: number): { ip: string; os: string } | null => {
    const phone = person.devices.find((d) => d.kind === 'phone')
    if (!phone) return null
    const w = where.at(person, t)
    return { ip: networks.address(placeOf(person, phone, w, new Prng(`${root.seed}/sender/${person.id}/${t}`)), phone.id, t), os: phone.os }
  }
  const botDrafts = bots.generate({ links: links.links, shares: links.shares, pop, humans: humanDrafts, senderPhone })

  const all = [...humanDrafts.map((d, i) => ({ d, k: i })), ...botDrafts.map((d, i) => ({ d, k: humanDrafts.length + i }))]
  all.sort((a, b) => a.d.t - b.d.t || a.k - b.k)
  const width = String(all.length).length
  const clicks: ClickLine[] = []
  const truth: TruthLine[] = []
  all.forEach(({ d }, i) => {
    const id = `e${String(i + 1).padStart(width, '0')}`
    clicks.push({ type: 'click', id, ts: new Date(Math.round(d.t)).toISOString(), method: d.method, path: d.path, ip: d.ip, jar: d.jar, headers: d.headers })
    truth.push({ id, ...d.truth })
  })
  const linkLines: LinkLine[] = links.links.map((l) => ({ type: 'link', slug: l.slug, url: l.url }))
  const meta = { ...metaOf({ profile: profile.name, seed, sdkShare: opts.sdkShare, people, days, start, pop, links, clicks, truth }), ...(bridge ? { redirectMode: 'bridge' as const } : {}) }
  return { links: linkLines, clicks, truth, meta: world.name === DEFAULT_WORLD.name ? meta : { ...meta, bots: world.name } }
}

/** Is the device with the person at this place? Desktops stay home; work laptops go to the office. */
function deviceAt(d: Device, w: Whereabout, person: Person): boolean {
  switch (w.loc) {
    case 'home':
      // Work laptops come home in the bag: evenings, weekends and remote days.
      return true
    case 'office':
      return d.kind === 'phone' || d.kind === 'work-laptop' || (d.kind === 'laptop' && d.users.length === 1 && !person.devices.some((x) => x.kind === 'work-laptop'))
    case 'commute':
      return d.kind === 'phone'
    case 'out':
      return d.kind === 'phone' || d.kind === 'tablet' || d.kind === 'laptop'
    case 'travel':
      return d.mobile
  }
}

/** How likely each device is used for a click arriving this way (assumptions, stated as weights). */
function deviceWeight(d: Device, via: Via, w: Whereabout): number {
  const phone = d.kind === 'phone'
  const tablet = d.kind === 'tablet'
  const computer = !phone && !tablet
  switch (via) {
    case 'instagram':
    case 'tiktok':
      return phone ? 10 : tablet ? 1.5 : 0.4
    case 'facebook':
    case 'x':
    case 'linkedin':
      return phone ? 6 : tablet ? 1 : 2
    case 'whatsapp':
    case 'telegram':
    case 'imessage':
      return phone ? 12 : tablet ? 0.5 : 1
    case 'email':
      if (w.loc === 'office') return d.kind === 'work-laptop' ? 8 : phone ? 2.5 : 1
      return phone ? 5 : computer ? 3 : 1.5
    case 'slack':
    case 'teams':
      return d.kind === 'work-laptop' ? 8 : phone ? 2 : 0.5
    case 'bookmark':
    case 'web':
      if (w.loc === 'office') return d.kind === 'work-laptop' ? 6 : phone ? 3 : 1
      return phone ? 5 : computer ? 4 : 2
    case 'gmail':
      return phone ? 5 : 3
  }
}

function metaOf(a: {
  profile: ProfileName
  seed: string
  sdkShare: number
  people: number
  days: number
  start: number
  pop: Population
  links: Links
  clicks: ClickLine[]
  truth: TruthLine[]
}): SimulationMeta {
  const human = a.truth.filter((t) => !t.bot)
  const byId = new Map(a.clicks.map((c) => [c.id, c] as const))
  const clickedDevices = new Set(human.map((t) => t.deviceId))
  const clickedInstalls = new Set(human.map((t) => t.browserId))
  // Twins: devices cloned from one another (family phones bought together, office images).
  const twinKey = (d: Device): string => `${d.twinOf ?? d.id}`
  const groups = new Map<string, Set<string>>()
  for (const id of clickedDevices) {
    const d = a.pop.devices.get(id)
    if (!d) continue
    const k = d.officeId ? `office:${d.officeId}` : twinKey(d)
    let s = groups.get(k)
    if (!s) groups.set(k, (s = new Set()))
    s.add(id)
    if (d.twinOf) {
      let g = groups.get(d.twinOf)
      if (!g) groups.set(d.twinOf, (g = new Set()))
      g.add(id)
    }
  }
  const twinDevices = new Set<string>()
  for (const s of groups.values()) if (s.size > 1) for (const id of s) twinDevices.add(id)
  const fpDevices = new Map<string, Set<string>>()
  const deviceFps = new Map<string, Set<string>>()
  const ips = new Map<string, Set<string>>()
  const devsPerIp = new Map<string, Set<string>>()
  const jars = new Map<string, Set<string>>()
  for (const t of human) {
    const c = byId.get(t.id)!
    const fp = c.headers['x-device-fingerprint']
    if (fp) {
      add(fpDevices, fp, t.deviceId)
      add(deviceFps, t.deviceId, fp)
    }
    add(ips, t.deviceId, c.ip)
    add(devsPerIp, c.ip, t.deviceId)
    add(jars, t.browserId, c.jar)
  }
  const sharing = [...deviceFps.entries()].filter(([, fps]) => [...fps].some((fp) => (fpDevices.get(fp)?.size ?? 0) > 1)).length
  const mean = (m: Map<string, Set<string>>): number => (m.size === 0 ? 0 : [...m.values()].reduce((s, v) => s + v.size, 0) / m.size)
  const botKinds: Record<string, number> = {}
  for (const t of a.truth) if (t.bot) botKinds[t.botKind ?? 'bot'] = (botKinds[t.botKind ?? 'bot'] ?? 0) + 1
  return {
    profile: a.profile,
    seed: a.seed,
    sdkShare: a.sdkShare,
    people: a.people,
    days: a.days,
    start: new Date(a.start).toISOString(),
    links: a.links.links.map((l) => ({ slug: l.slug, kind: l.kind })),
    counts: {
      clicks: a.clicks.length,
      human: human.length,
      bot: a.truth.length - human.length,
      persons: a.pop.persons.length,
      devices: a.pop.devices.size,
      installs: [...a.pop.installs.values()].reduce((s, l) => s + l.length, 0),
      devicesThatClicked: clickedDevices.size,
      installsThatClicked: clickedInstalls.size,
      sdkClicks: human.length ? human.filter((t) => t.sdk).length / human.length : 0,
      privateClicks: human.length ? human.filter((t) => t.private).length / human.length : 0,
      clicksOnTwinDevices: human.filter((t) => twinDevices.has(t.deviceId)).length,
      sdkDevicesSharingAFingerprint: sharing,
      sdkDevices: deviceFps.size,
      ipsPerDevice: round2(mean(ips)),
      devicesPerIp: round2(mean(devsPerIp)),
      jarsPerInstall: round2(mean(jars)),
    },
    botKinds,
  }
}

function add(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k)
  if (!s) m.set(k, (s = new Set()))
  s.add(v)
}

function round2(x: number): number {
  return Math.round(x * 100) / 100
}

/** Writes events.ndjson (links then clicks, by time), truth.ndjson and meta.json into `dir`. */
export function writeSimulation(sim: Simulation, dir: string): { events: string; truth: string; meta: string } {
  mkdirSync(dir, { recursive: true })
  const events = join(dir, 'events.ndjson')
  const truth = join(dir, 'truth.ndjson')
  const meta = join(dir, 'meta.json')
  writeFileSync(events, [...sim.links, ...sim.clicks].map((l) => JSON.stringify(l)).join('\n') + '\n')
  writeFileSync(truth, sim.truth.map((l) => JSON.stringify(l)).join('\n') + '\n')
  writeFileSync(meta, JSON.stringify(sim.meta, null, 2) + '\n')
  return { events, truth, meta }
}

function parseArgs(argv: string[]): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith('--')) continue
    const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined]
    if (v !== undefined) out[k] = v
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) out[k] = argv[++i]!
    else out[k] = true
  }
  return out
}

const USAGE = `usage: tsx bench/accuracy/simulate.ts [--profile mixed|office|mobile|household] [--seed N] [--sdk-share 0..1] [--redirect-mode direct|bridge] [--people N] [--days N] [--bots WORLD] [--out DIR]`

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = parseArgs(process.argv.slice(2))
  if (args.help) {
    console.log(USAGE)
    process.exit(0)
  }
  const profile = String(args.profile ?? 'mixed') as ProfileName
  if (!(profile in profiles)) {
    console.error(`unknown profile: ${profile}\n${USAGE}`)
    process.exit(2)
  }
  const sdkShare = Number(args['sdk-share'] ?? 0.8)
  if (!(sdkShare >= 0 && sdkShare <= 1)) {
    console.error(`--sdk-share must be between 0 and 1\n${USAGE}`)
    process.exit(2)
  }
  const sim = simulate({
    profile,
    seed: String(args.seed ?? 1),
    sdkShare,
    ...(args['redirect-mode'] === 'bridge' ? { redirectMode: 'bridge' as const } : {}),
    ...(args.people ? { people: Number(args.people) } : {}),
    ...(args.days ? { days: Number(args.days) } : {}),
    ...(typeof args.bots === 'string' ? { bots: args.bots } : {}),
  })
  const out = String(args.out ?? `bench/out/${profile}-${args['redirect-mode'] === 'bridge' ? 'bridge' : `sdk${sdkShare}`}`)
  const files = writeSimulation(sim, out)
  console.log(`${sim.meta.counts.clicks} clicks (${sim.meta.counts.human} human, ${sim.meta.counts.bot} bot) → ${files.events}, ${files.truth}`)
}
