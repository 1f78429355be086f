import type { App, BrowserFamily, BrowserInstall, Browsers } from './browsers.js'
import type { Device, Devices } from './devices.js'
import type { CarrierSpec, Home, Hotel, Networks, Office } from './networks.js'
import type { Prng } from './prng.js'
import type { OfficeSpec, Profile, Role } from './profiles.js'

const DAY = 86_400_000

export interface Trip {
  start: number
  end: number
  hotel: Hotel
}

export interface Person {
  id: string
  householdId: string
  home: Home
  role: Role
  officeId?: string
  langs: string[]
  tz: string
  /** Devices this person uses (own and shared), phone first when there is one. */
  devices: Device[]
  apps: App[]
  carrier: CarrierSpec
  /** share of this person's clicks made in a private window */
  privateRate: number
  /** devices that go out through a commercial VPN */
  vpnDevices: Set<string>
  trips: Trip[]
  /** weekdays (1 = Monday) worked from home */
  wfhDays: number[]
  /** propensity to be out (café, shops, friends) in free time */
  outness: number
}

export interface Household {
  id: string
  home: Home
  members: Person[]
  shared: Device[]
}

export interface OfficeSite {
  id: string
  spec: OfficeSpec
  net: Office
  template: Device
  members: Person[]
  defaultBrowser: BrowserFamily
  /** IT's update lag, the same for the whole fleet */
  lagMs: number
  /** managed laptops at home tunnel everything through the office (full-tunnel VPN) */
  fullTunnel: boolean
}

/**
 * The people, their households, offices, devices and browser installs — the
 * truth that every click is drawn from. Households share a router (and
 * sometimes a computer, and often phones of one model); offices hand out
 * clones of one laptop image, updated in lockstep by IT.
 */
export class Population {
  readonly persons: Person[] = []
  readonly households: Household[] = []
  readonly offices: OfficeSite[] = []
  readonly devices = new Map<string, Device>()
  readonly installs = new Map<string, BrowserInstall[]>()

  private constructor() {}

  static build(opts: {
    rng: Prng
    profile: Profile
    people: number
    networks: Networks
    devices: Devices
    browsers: Browsers
    start: number
    end: number
  }): Population {
    const { rng, profile, networks, devices, browsers, start, end } = opts
    const pop = new Population()
    // Offices first: their size scales with the requested population.
    const scale = opts.people / profile.defaults.people
    for (const spec of profile.offices) {
      const net = networks.newOffice(rng, spec.egressIps)
      const locale = rng.weighted(profile.locales.map(([l, tz, w]) => [[l, tz] as const, w] as const))
      const template = devices.managedTemplate(spec.englishImage ? ['en-US'] : locale[0], locale[1], spec.managedOs)
      const defaultBrowser: BrowserFamily = template.os === 'windows' ? rng.weighted([['edge', 0.55], ['chrome', 0.45]] as const) : rng.weighted([['chrome', 0.6], ['safari', 0.4]] as const)
      pop.offices.push({
        id: net.id,
        spec: { ...spec, size: Math.max(5, Math.round(spec.size * scale)) },
        net,
        template,
        members: [],
        defaultBrowser,
        lagMs: rng.between(2, 9) * DAY,
        fullTunnel: rng.chance(0.5),
      })
    }

    let pid = 0
    let hid = 0
    while (pop.persons.length < opts.people) {
      hid++
      const size = Math.min(opts.people - pop.persons.length, 1 + indexOfWeighted(rng, profile.householdSizes))
      const home = networks.newHome(rng)
      const [langs, tz] = rng.weighted(profile.locales.map(([l, tz, w]) => [[l, tz] as const, w] as const))
      const hh: Household = { id: `hh${hid}`, home, members: [], shared: [] }
      for (let i = 0; i < size; i++) {
        pid++
        const child = i >= 2
        const role: Role = child ? 'student' : rng.weighted(profile.roles)
        const apps = profile.apps.filter(([app, p]) => rng.chance(adjustApp(app, p, role))).map(([app]) => app)
        const person: Person = {
          id: `p${String(pid).padStart(5, '0')}`,
          householdId: hh.id,
          home,
          role,
          langs: child && langs.length === 1 && rng.chance(0.3) ? [langs[0]!, 'en-US'] : langs.slice(),
          tz,
          devices: [],
          apps,
          carrier: rng.weighted(networks.carriers.map((c) => [c, c.weight] as const)),
          privateRate: rng.chance(profile.privateHabit.share) ? profile.privateHabit.rate * rng.between(0.5, 1.5) : 0.01,
          vpnDevices: new Set(),
          trips: [],
          wfhDays: [],
          outness: role === 'student' ? rng.between(0.3, 0.6) : role === 'retired' ? rng.between(0.1, 0.3) : rng.between(0.15, 0.4),
        }
        hh.members.push(person)
        pop.persons.push(person)
      }
      pop.households.push(hh)
    }

    // Employees: fill each office from the workers, in random order.
    const workers = rng.shuffle(pop.persons.filter((p) => p.role === 'worker'))
    let w = 0
    for (const office of pop.offices) {
      for (let i = 0; i < office.spec.size && w < workers.length; i++, w++) {
        const p = workers[w]!
        p.officeId = office.id
        office.members.push(p)
        const days = Math.min(4, Math.max(0, Math.round(office.spec.wfhDays + rng.between(-0.7, 0.7))))
        p.wfhDays = rng.sample([1, 2, 3, 4, 5], days)
      }
    }

    // Devices.
    const addDevice = (d: Device, user: Person): void => {
      if (!pop.devices.has(d.id)) pop.devices.set(d.id, d)
      if (!d.users.includes(user.id)) d.users.push(user.id)
      user.devices.push(d)
    }
    for (const hh of pop.households) {
      const sharedComputer = hh.members.length > 1 && rng.chance(profile.sharedComputerShare)
        ? devices.computer(hh.members[0]!, rng.weighted(Object.entries(profile.desktopOs) as Array<[keyof Profile['desktopOs'], number]>), 'desktop')
        : undefined
      if (sharedComputer) hh.shared.push(sharedComputer)
      const phonesSoFar: Device[] = []
      for (const p of hh.members) {
        const owner = { langs: p.langs, tz: p.tz }
        const young = p.role === 'student'
        if (rng.chance(young ? 0.92 : profile.ownership.phone)) {
          const twin = phonesSoFar.length > 0 && rng.chance(profile.identicalPhoneShare) ? rng.pick(phonesSoFar) : undefined
          const phone = twin ? devices.clone(twin, owner) : devices.phone(owner, rng.chance(profile.phoneOs.ios / (profile.phoneOs.ios + profile.phoneOs.android)) ? 'ios' : 'android')
          phonesSoFar.push(phone)
          addDevice(phone, p)
        }
        const office = pop.offices.find((o) => o.id === p.officeId)
        if (office && rng.chance(profile.ownership.workLaptop)) {
          addDevice(devices.clone(office.template, { langs: office.template.langs, tz: p.tz }, office.id), p)
        }
        if (sharedComputer) addDevice(sharedComputer, p)
        else if (p.devices.length < 3 && rng.chance(profile.ownership.computer)) {
          const os = rng.weighted(Object.entries(profile.desktopOs) as Array<[keyof Profile['desktopOs'], number]>)
          addDevice(devices.computer(owner, os, rng.chance(profile.ownership.laptopShare) ? 'laptop' : 'desktop'), p)
        }
        if (p.devices.length < 3 && rng.chance(profile.ownership.tablet)) {
          addDevice(devices.tablet(owner, rng.chance(0.55) ? 'ipados' : 'android'), p)
        }
        // Nobody in the simulation is without a device: such a person would never click.
        if (p.devices.length === 0) addDevice(devices.phone(owner, 'android'), p)
      }
    }

    // Browser installs, once per device (a shared computer's browsers are shared too).
    for (const d of pop.devices.values()) {
      const user = pop.persons.find((p) => p.id === d.users[0])!
      const office = d.officeId ? pop.offices.find((o) => o.id === d.officeId) : undefined
      const installs = browsers.installsFor(d, d.kind === 'phone' || d.kind === 'tablet' ? user.apps : [], office ? { managed: { defaultBrowser: office.defaultBrowser, lagMs: office.lagMs } } : {})
      pop.installs.set(d.id, installs)
    }

    // VPNs and trips.
    for (const p of pop.persons) {
      if (rng.chance(profile.vpnShare)) {
        for (const d of p.devices) if (d.kind !== 'work-laptop' && d.users.length === 1 && rng.chance(0.7)) p.vpnDevices.add(d.id)
      }
      if (rng.chance(profile.travelShare)) {
        const days = rng.int(2, 6)
        const s = start + rng.between(0, Math.max(0.5, (end - start) / DAY - days)) * DAY
        p.trips.push({ start: s, end: s + days * DAY, hotel: rng.pick(networks.hotels) })
      }
    }
    return pop
  }

  installsOf(deviceId: string): BrowserInstall[] {
    return this.installs.get(deviceId) ?? []
  }

  person(id: string): Person {
    const p = this.persons.find((x) => x.id === id)
    if (!p) throw new Error(`no person ${id}`)
    return p
  }
}

function indexOfWeighted(rng: Prng, weights: readonly number[]): number {
  return rng.weighted(weights.map((w, i) => [i, w] as const))
}

function adjustApp(app: App, p: number, role: Role): number {
  if (app === 'linkedin') return role === 'worker' ? Math.min(1, p * 1.5) : p * 0.3
  if (app === 'tiktok') return role === 'student' ? Math.min(1, p * 2) : role === 'retired' ? p * 0.3 : p
  if (app === 'instagram') return role === 'student' ? Math.min(1, p * 1.5) : role === 'retired' ? p * 0.5 : p
  return p
}
