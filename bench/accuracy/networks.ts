import { Prng } from './prng.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

/**
 * A residential ISP. Address plans are illustrative (strings in a file,
 * never contacted): distinct public-looking /16s per ISP so that "same /24"
 * and "same /16" mean what they mean on the real Internet.
 */
export interface IspSpec {
  name: string
  weight: number
  v4Blocks: string[]
  /** first 32 bits of the ISP's IPv6 space, or undefined for IPv4-only */
  v6Prefix?: string
  /** share of this ISP's homes with working IPv6 */
  v6Share: number
  /** how the home's IPv4 address changes: forced reconnect every day, on router restarts/outages, or never */
  renumber: ReadonlyArray<readonly ['daily' | 'sticky' | 'static', number]>
  /** mean days between changes for 'sticky' homes */
  stickyMeanDays: number
  /** the delegated IPv6 prefix changes with every IPv4 change (some DSL ISPs), or stays */
  v6PrefixRotates: boolean
}

export interface CarrierSpec {
  name: string
  weight: number
  /** /24s of the carrier-grade NAT's public pool */
  cgnatBlocks: string[]
  /** public addresses in the pool actually handed out to our population's share of subscribers */
  poolSize: number
  /** mean hours between changes of a phone's public IPv4 (new NAT binding after idle, radio re-attach) */
  bindingMeanHours: number
  v6Prefix?: string
  /** share of this carrier's requests that go over IPv6 (a /64 per phone per data session) */
  v6Share: number
  v6SessionMeanHours: number
}

export interface Home {
  id: string
  isp: IspSpec
  v6: boolean
  renumber: 'daily' | 'sticky' | 'static'
  /** times at which the IPv4 address (and maybe the IPv6 prefix) changes */
  changes: number[]
}

export interface Office {
  id: string
  /** 1–2 egress addresses of the corporate NAT (RFC 4787 "paired" pooling: a host keeps its address) */
  egress: string[]
  guest: string
  vpn: string
}

export type Place =
  | { kind: 'home'; home: Home }
  | { kind: 'office'; office: Office; guest: boolean }
  | { kind: 'corp-vpn'; office: Office }
  | { kind: 'mobile'; carrier: CarrierSpec }
  | { kind: 'vpn' }
  | { kind: 'cafe'; cafe: number }
  | { kind: 'hotel'; hotel: Hotel }

export interface Hotel {
  id: number
  tz: string
  ip: string
  abroad: boolean
}

/**
 * Default ISPs. Renumbering behaviour follows Padmanabhan, Dhamdhere, Aben,
 * claffy & Spring, "Reasons Dynamic Addresses Change" (IMC 2016): some ISPs
 * renumber every ~24 h (forced PPP reconnects), most change addresses on
 * outages and CPE reboots (days to weeks), and a new address is usually from
 * a different /24 (often a different /16). IPv6: Google's IPv6 statistics put
 * IPv6 at ~45 % of users world-wide (Italy lower, Germany/France higher);
 * privacy addresses (RFC 8981) rotate the interface id daily.
 */
export const DEFAULT_ISPS: IspSpec[] = [
  {
    name: 'fibra',
    weight: 0.45,
    v4Blocks: range16(93, 32, 16),
    v6Prefix: '2a0e:8f02',
    v6Share: 0.55,
    renumber: [['sticky', 0.85], ['static', 0.15]],
    stickyMeanDays: 12,
    v6PrefixRotates: false,
  },
  {
    name: 'tele',
    weight: 0.4,
    v4Blocks: range16(79, 0, 32),
    v6Prefix: '2a02:b024',
    v6Share: 0.3,
    renumber: [['sticky', 0.8], ['daily', 0.1], ['static', 0.1]],
    stickyMeanDays: 7,
    v6PrefixRotates: true,
  },
  {
    name: 'cable',
    weight: 0.15,
    v4Blocks: range16(151, 16, 16),
    v6Prefix: '2a01:c22',
    v6Share: 0.8,
    renumber: [['daily', 0.7], ['sticky', 0.3]],
    stickyMeanDays: 5,
    v6PrefixRotates: true,
  },
]

/**
 * Default mobile carriers. Carrier-grade NAT puts hundreds of subscribers
 * behind one public IPv4 (Richter et al., "A Multi-perspective Analysis of
 * Carrier-Grade NAT Deployment", IMC 2016) and a phone's public address
 * changes several times a day; the pool sizes here are the slice of each
 * carrier's pool that our few hundred simulated subscribers land on, small
 * enough that strangers share addresses as they do in reality. One carrier
 * is IPv6-first (as T-Mobile US or Reliance Jio are): a /64 per phone per
 * data session.
 */
export const DEFAULT_CARRIERS: CarrierSpec[] = [
  { name: 'mob-a', weight: 0.4, cgnatBlocks: ['5.90.12', '5.90.13', '5.90.41'], poolSize: 40, bindingMeanHours: 3, v6Share: 0, v6SessionMeanHours: 12 },
  { name: 'mob-b', weight: 0.35, cgnatBlocks: ['37.160.22', '37.160.23'], poolSize: 32, bindingMeanHours: 2.5, v6Prefix: '2a00:23c4', v6Share: 0.7, v6SessionMeanHours: 10 },
  { name: 'mob-c', weight: 0.25, cgnatBlocks: ['176.243.81', '176.243.82', '176.243.83'], poolSize: 36, bindingMeanHours: 4, v6Share: 0, v6SessionMeanHours: 12 },
]

/** Commercial VPN exits (datacenter addresses shared by many customers). */
const VPN_EXITS = [...hosts('185.213.154', 10, 12), ...hosts('146.70.116', 30, 10), ...hosts('89.187.180', 5, 8)]

/** Travel destinations: hotel Wi-Fi behind one NAT, shared by the guests. */
const DESTINATIONS: ReadonlyArray<readonly [string, string, boolean]> = [
  ['Europe/Rome', '87.17.204', false],
  ['Europe/Rome', '95.239.18', false],
  ['Europe/London', '81.2.69', true],
  ['Europe/Berlin', '85.214.132', true],
  ['Europe/Madrid', '88.26.241', true],
  ['America/New_York', '71.172.33', true],
  ['Asia/Tokyo', '126.79.12', true],
]

/**
 * Where a request comes from: the address a server would see for a device
 * at a place and time — home NAT with renumbering and IPv6 privacy
 * addresses, office NAT, carrier-grade NAT, commercial or corporate VPN,
 * café and hotel Wi-Fi. Every answer is a pure function of (place, device,
 * time) and the seed, so the order in which clicks are generated does not
 * change any address.
 */
export class Networks {
  readonly hotels: Hotel[]
  private readonly cafes: string[]
  private homeSeq = 0
  private officeSeq = 0
  private readonly mobileTimelines = new Map<string, number[]>()
  private readonly usedOfficeBlocks = new Set<string>()

  constructor(
    private readonly seed: string,
    readonly start: number,
    readonly end: number,
    readonly isps: IspSpec[] = DEFAULT_ISPS,
    readonly carriers: CarrierSpec[] = DEFAULT_CARRIERS,
  ) {
    const rng = new Prng(`${seed}/networks`)
    this.hotels = DESTINATIONS.flatMap(([tz, block, abroad], i) => [0, 1].map((k) => ({ id: i * 2 + k, tz, ip: `${block}.${rng.int(2, 250)}`, abroad })))
    // Cafés and public Wi-Fi of the home city: small-business lines of the residential ISPs.
    this.cafes = Array.from({ length: 14 }, () => {
      const isp = rng.weighted(isps.map((i) => [i, i.weight] as const))
      return `${rng.pick(isp.v4Blocks)}.${rng.int(0, 255)}.${rng.int(2, 250)}`
    })
  }

  newHome(rng: Prng): Home {
    this.homeSeq++
    const isp = rng.weighted(this.isps.map((i) => [i, i.weight] as const))
    const renumber = rng.weighted(isp.renumber)
    const changes: number[] = []
    if (renumber === 'daily') {
      // Forced reconnect once a day, at a line-specific time of night.
      const phase = rng.between(1, 5) * HOUR
      for (let t = this.start - DAY + phase; t < this.end + DAY; t += DAY) changes.push(t)
    } else if (renumber === 'sticky') {
      let t = this.start - rng.exp(isp.stickyMeanDays) * DAY
      while (t < this.end + DAY) {
        t += rng.exp(isp.stickyMeanDays) * DAY
        changes.push(t)
      }
    }
    return { id: `h${this.homeSeq}`, isp, v6: isp.v6Prefix !== undefined && rng.chance(isp.v6Share), renumber, changes }
  }

  newOffice(rng: Prng, egressCount: number): Office {
    this.officeSeq++
    // A business line gets a small static block (a /29): egress, guest Wi-Fi and VPN share one /24.
    let block: string
    do {
      block = `${rng.pick(['62.94', '212.97', '217.133', '80.19'])}.${rng.int(1, 254)}`
    } while (this.usedOfficeBlocks.has(block))
    this.usedOfficeBlocks.add(block)
    const base = rng.int(1, 30) * 8
    const egress = Array.from({ length: egressCount }, (_, i) => `${block}.${base + 1 + i}`)
    return { id: `o${this.officeSeq}`, egress, guest: `${block}.${base + 5}`, vpn: `${block}.${base + 6}` }
  }

  randomCafe(rng: Prng): number {
    return rng.int(0, this.cafes.length - 1)
  }

  address(place: Place, deviceId: string, t: number): string {
    switch (place.kind) {
      case 'home':
        return this.homeAddress(place.home, deviceId, t)
      case 'office': {
        if (place.guest) return place.office.guest
        const egress = place.office.egress
        // Paired pooling keeps a host on one address; a few requests leave by the other.
        const k = Math.floor(Prng.at(this.seed, 'pair', deviceId) * egress.length)
        const stray = Prng.at(this.seed, 'stray', deviceId, Math.floor(t / HOUR)) < 0.03
        return egress[(k + (stray ? 1 : 0)) % egress.length] ?? egress[0]!
      }
      case 'corp-vpn':
        return place.office.vpn
      case 'mobile':
        return this.mobileAddress(place.carrier, deviceId, t)
      case 'vpn': {
        // A new exit per connection; connections last hours.
        const epoch = Math.floor((t + Prng.at(this.seed, 'vpnphase', deviceId) * 8 * HOUR) / (8 * HOUR))
        return VPN_EXITS[Math.floor(Prng.at(this.seed, 'vpn', deviceId, epoch) * VPN_EXITS.length)]!
      }
      case 'cafe':
        return this.cafes[place.cafe] ?? this.cafes[0]!
      case 'hotel':
        return place.hotel.ip
    }
  }

  private homeAddress(home: Home, deviceId: string, t: number): string {
    const epoch = countAtOrBefore(home.changes, t)
    // Happy Eyeballs (RFC 8305) prefers IPv6 when it works; a few connections still go over IPv4.
    if (home.v6 && home.isp.v6Prefix && Prng.at(this.seed, 'he', deviceId, Math.floor(t / 60_000)) < 0.95) {
      const pEpoch = home.isp.v6PrefixRotates ? epoch : 0
      const pr = new Prng(`${this.seed}/v6/${home.id}/${pEpoch}`)
      const prefix = `${home.isp.v6Prefix}:${hex16(pr.int(0x100, 0xffff))}:${hex16(pr.int(0x1, 0xff) << 8)}`
      // RFC 8981 temporary addresses: a new interface id every day (phase differs per device),
      // and a new one whenever the prefix changes.
      const phase = Prng.at(this.seed, 'iidphase', deviceId) * DAY
      const iidEpoch = Math.floor((t + phase) / DAY)
      const ir = new Prng(`${this.seed}/iid/${deviceId}/${iidEpoch}/${pEpoch}`)
      return `${prefix}:${hex16(ir.int(1, 0xffff))}:${hex16(ir.int(1, 0xffff))}:${hex16(ir.int(1, 0xffff))}:${hex16(ir.int(1, 0xffff))}`
    }
    const r = new Prng(`${this.seed}/v4/${home.id}/${epoch}`)
    // "Often to a different prefix": a quarter of renumberings stay in the same /24 (regional pools).
    let block = `${r.pick(home.isp.v4Blocks)}.${r.int(0, 255)}`
    if (epoch > 0 && r.chance(0.25)) {
      const prev = new Prng(`${this.seed}/v4/${home.id}/${epoch - 1}`)
      block = `${prev.pick(home.isp.v4Blocks)}.${prev.int(0, 255)}`
    }
    return `${block}.${r.int(2, 254)}`
  }

  private mobileAddress(carrier: CarrierSpec, deviceId: string, t: number): string {
    const timeline = this.mobileTimeline(carrier, deviceId)
    const epoch = countAtOrBefore(timeline, t)
    const v6 = carrier.v6Prefix !== undefined && Prng.at(this.seed, 'm6', deviceId, carrier.name) < carrier.v6Share
    if (v6 && carrier.v6Prefix) {
      // A /64 per PDP session, sessions last longer than NAT bindings.
      const session = Math.floor(epoch / Math.max(1, Math.round(carrier.v6SessionMeanHours / carrier.bindingMeanHours)))
      const r = new Prng(`${this.seed}/m6/${deviceId}/${session}`)
      return `${carrier.v6Prefix}:${hex16(r.int(0x100, 0xffff))}:${hex16(r.int(0x100, 0xffff))}:${hex16(r.int(1, 0xffff))}:${hex16(r.int(1, 0xffff))}:${hex16(r.int(1, 0xffff))}:${hex16(r.int(1, 0xffff))}`
    }
    const r = new Prng(`${this.seed}/cg/${carrier.name}/${deviceId}/${epoch}`)
    const slot = r.int(0, carrier.poolSize - 1)
    const blocks = carrier.cgnatBlocks
    const block = blocks[slot % blocks.length]!
    return `${block}.${10 + Math.floor(slot / blocks.length) * 7 + (slot % 5)}`
  }

  private mobileTimeline(carrier: CarrierSpec, deviceId: string): number[] {
    const key = `${carrier.name}|${deviceId}`
    let tl = this.mobileTimelines.get(key)
    if (!tl) {
      const r = new Prng(`${this.seed}/mtl/${key}`)
      tl = []
      let t = this.start - DAY
      while (t < this.end + DAY) {
        t += r.exp(carrier.bindingMeanHours) * HOUR
        tl.push(t)
      }
      this.mobileTimelines.set(key, tl)
    }
    return tl
  }
}

function countAtOrBefore(sorted: readonly number[], t: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((sorted[mid] ?? Infinity) <= t) lo = mid + 1
    else hi = mid
  }
  return lo
}

function hex16(n: number): string {
  return (n & 0xffff).toString(16)
}

function range16(a: number, from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${a}.${from + i}`)
}

function hosts(block: string, from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${block}.${from + i}`)
}
