import type { BotWorld } from './bot-world.js'
import { DEFAULT_WORLD } from './bot-world.js'
import type { LinkKind, Share, SimLink } from './links.js'
import type { Person, Population } from './population.js'
import type { Prng } from './prng.js'
import type { ReleaseTrain } from './release-train.js'
import type { Sessions } from './sessions.js'
import type { ClickDraft } from './types.js'

const SEC = 1000
const MIN = 60 * SEC
const HOUR = 60 * MIN
const DAY = 24 * HOUR

/** Address ranges operators publish for their crawlers (Google, Bing, Meta, X, LinkedIn…) or that their traffic is known to come from. */
const RANGES: Record<string, string[]> = {
  google: ['66.249.66', '66.249.68', '66.249.72', '66.249.79'],
  bing: ['40.77.167', '207.46.13', '157.55.39'],
  apple: ['17.241.219', '17.241.227'],
  openai: ['20.171.207', '52.230.152'],
  anthropic: ['160.79.104'],
  ahrefs: ['54.36.148', '54.36.149'],
  semrush: ['185.191.171'],
  yandex: ['5.255.231', '213.180.203'],
  petal: ['114.119.134', '114.119.151'],
  bytedance: ['47.128.16', '47.128.98'],
  duckduckgo: ['20.191.45'],
  meta: ['69.171.230', '69.171.249', '173.252.83', '173.252.107', '66.220.149', '31.13.115'],
  twitter: ['199.16.157', '199.59.150'],
  linkedin: ['108.174.2', '108.174.5'],
  slack: ['54.209.41', '3.89.17', '34.203.22'],
  teams: ['52.112.49', '52.114.14'],
  telegram: ['149.154.161'],
  discord: ['35.227.62'],
  microsoftMail: ['40.94.29', '40.107.22', '52.100.171', '104.47.11', '104.47.17'],
  proofpoint: ['148.163.137', '148.163.150'],
  mimecast: ['205.139.110', '207.211.30'],
  barracuda: ['209.222.82'],
  cloud: ['3.120.18', '18.197.44', '52.58.203', '34.141.60', '35.198.77', '88.198.51', '5.75.146', '164.90.172', '167.99.141', '138.68.92'],
}

const CRAWLERS: ReadonlyArray<{ name: string; range: string; weight: number; ua: (M: number) => string }> = [
  { name: 'googlebot', range: 'google', weight: 5, ua: (M) => `Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${M}.0.0.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)` },
  { name: 'bingbot', range: 'bing', weight: 3, ua: (M) => `Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/${M}.0.0.0 Safari/537.36` },
  { name: 'applebot', range: 'apple', weight: 1, ua: () => 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)' },
  { name: 'gptbot', range: 'openai', weight: 2, ua: () => 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)' },
  { name: 'claudebot', range: 'anthropic', weight: 1, ua: () => 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)' },
  { name: 'ahrefsbot', range: 'ahrefs', weight: 3, ua: () => 'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)' },
  { name: 'semrushbot', range: 'semrush', weight: 2, ua: () => 'Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)' },
  { name: 'yandexbot', range: 'yandex', weight: 1, ua: () => 'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)' },
  { name: 'petalbot', range: 'petal', weight: 1, ua: () => 'Mozilla/5.0 (Linux; Android 7.0;) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)' },
  { name: 'bytespider', range: 'bytedance', weight: 1, ua: () => 'Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)' },
  { name: 'duckduckbot', range: 'duckduckgo', weight: 1, ua: () => 'DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)' },
]

/**
 * The vendors' published allocations (bot-world.ts lists the sources): a scanning farm may
 * fetch from any address of them, one /24 or many (`egress: 'vendor'`).
 */
const VENDOR_ALLOCATIONS: Record<ScannerVendor, readonly string[]> = {
  microsoft: ['40.92.0.0/15', '40.107.0.0/16', '52.100.0.0/14', '104.47.0.0/17'],
  proofpoint: ['148.163.128.0/19', '67.231.144.0/20'],
  mimecast: ['205.139.110.0/23', '207.211.30.0/24', '216.205.24.0/24', '170.10.128.0/22', '91.220.42.0/24', '146.101.78.0/24', '185.58.84.0/22'],
  barracuda: ['209.222.80.0/21', '64.235.144.0/20'],
}

/**
 * Public cloud space (Azure "IP Ranges and Service Tags", AWS ip-ranges.json, Google
 * Cloud cloud.json; a few large blocks of each): a sandbox that runs on general compute
 * leaves by any of it (`egress: 'cloud'`; Safe Links from 20.72.100.79, laravel-passwordless-login #79).
 */
const CLOUD_ALLOCATIONS: Record<'azure' | 'other', readonly string[]> = {
  azure: ['20.40.0.0/13', '20.64.0.0/10', '40.64.0.0/10', '52.224.0.0/11', '13.64.0.0/11'],
  other: ['3.0.0.0/9', '18.128.0.0/9', '52.0.0.0/11', '54.144.0.0/12', '34.64.0.0/10', '35.184.0.0/13'],
}

/**
 * Scanner farms outside the published mail ranges, a few /24s each (`egress: 'unlisted'`):
 * what the detector can only judge by behaviour. Microsoft's are the ones reported
 * (40.94.16.*: opencollective #3656; 20.72.100.79: laravel-passwordless-login #79); the
 * others' are cloud /24s such a vendor could run its sandboxes in (an assumption).
 */
const UNLISTED: Record<ScannerVendor, readonly string[]> = {
  microsoft: ['40.94.16', '40.94.29', '20.72.100', '20.97.33'],
  proofpoint: ['44.238.12', '52.43.71'],
  mimecast: ['18.202.114', '54.76.33'],
  barracuda: ['35.157.190', '3.24.133'],
}

const TOOLS = ['curl/8.7.1', 'python-requests/2.32.3', 'Go-http-client/1.1', 'axios/1.7.9', 'node', 'Wget/1.21.4', 'okhttp/4.12.0', 'Java/17.0.12', 'python-httpx/0.27.2', '']

export type ScannerVendor = 'microsoft' | 'proofpoint' | 'mimecast' | 'barracuda'

/**
 * Everything that requests a short link without a person behind it:
 * - link previews: WhatsApp, Signal and iMessage build the preview on the
 *   sender's phone (end-to-end encryption leaves the server nothing to
 *   fetch with), so the fetch comes from the sender's own address, minutes
 *   before the family clicks from the same router; Telegram, Slack, Teams,
 *   Discord and the social networks fetch from their servers;
 * - secure email gateways (Microsoft Defender Safe Links, Proofpoint,
 *   Mimecast, Barracuda) fetch every link of every delivered message within
 *   seconds, from datacenter addresses, mostly with ordinary browser user
 *   agents — and Safe Links checks again at the moment of the click;
 * - search and AI crawlers, SEO tools, uptime monitors (HEAD), scripts;
 * - a few scrapers with a full browser header set from cloud addresses
 *   (ad verification, link monitoring), which no UA list can catch.
 */
export class Bots {
  private readonly vendors = new Map<string, ScannerVendor>()
  /** Draws of the variant worlds only, so that the default world's traffic never moves. */
  private readonly vrng: Prng

  constructor(
    private readonly rng: Prng,
    private readonly sessions: Sessions,
    private readonly releases: ReleaseTrain,
    private readonly start: number,
    private readonly end: number,
    private readonly world: BotWorld = DEFAULT_WORLD,
  ) {
    this.vrng = rng.fork('world')
  }

  generate(args: {
    links: readonly SimLink[]
    shares: readonly Share[]
    pop: Population
    humans: readonly ClickDraft[]
    /** the sender's phone: its address and OS at time t (null when the person has no phone) */
    senderPhone: (person: Person, t: number) => { ip: string; os: string } | null
  }): ClickDraft[] {
    const out: ClickDraft[] = []
    const kindOf = new Map(args.links.map((l) => [l.slug, l.kind] as const))
    for (const office of args.pop.offices) {
      if (office.spec.gateway) this.vendors.set(office.id, this.rng.weighted([['microsoft', 0.6], ['proofpoint', 0.2], ['mimecast', 0.15], ['barracuda', 0.05]] as const))
    }
    for (const s of args.shares) {
      switch (s.kind) {
        case 'email':
          this.emailScans(s, out)
          break
        case 'whatsapp':
        case 'imessage':
          this.senderPreview(s, args.pop, args.senderPhone, out)
          break
        case 'telegram':
          out.push(this.fetch(s.link, s.t + this.rng.between(1, 4) * SEC, 'telegram', 'TelegramBot (like TwitterBot)', 'telegram', 'preview'))
          break
        case 'slack':
          out.push(this.fetch(s.link, s.t + this.rng.between(0.5, 3) * SEC, 'slack', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'slack', 'preview'))
          if (this.rng.chance(0.3)) out.push(this.fetch(s.link, s.t + this.rng.between(5, 60) * SEC, 'slack', 'Slackbot 1.0 (+https://api.slack.com/robots)', 'slack', 'preview'))
          break
        case 'teams':
          out.push(this.fetch(s.link, s.t + this.rng.between(0.5, 3) * SEC, 'teams', 'Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com', 'teams', 'preview'))
          break
        case 'social':
          this.socialBots(s, out)
          break
        case 'evergreen':
          this.evergreenBots(s, out)
          break
      }
    }
    // Per human click: Safe Links time-of-click checks, and re-shares into chats (a preview from the re-sharer's phone).
    for (const h of args.humans) {
      const kind: LinkKind | undefined = kindOf.get(h.truth.link)
      const link = args.links.find((l) => l.slug === h.truth.link)
      const vendor = kind === 'newsletter' && link?.officeId ? this.vendors.get(link.officeId) : undefined
      if (vendor === 'microsoft' && this.rng.chance(0.5)) {
        out.push(...this.scan(h.truth.link, h.t - this.rng.between(0.3, 2.5) * SEC, 'microsoft'))
      } else if (vendor && vendor !== 'microsoft' && this.world.clickTime === 'all' && this.vrng.chance(vendor === 'mimecast' ? 1 : 0.5)) {
        // Mimecast sandboxes every click before redirecting the browser; URL Defense and Link Protection check at click too.
        out.push(...this.scan(h.truth.link, h.t - this.vrng.between(0.3, 2.5) * SEC, vendor))
      }
      if (this.world.previews === 'wide' && (kind === 'newsletter' || kind === 'work-chat') && /Windows NT/.test(h.headers['user-agent'] ?? '') && this.vrng.chance(0.2)) {
        // Office checks the link from the user's own machine before the browser opens it (KB 899927).
        const d = this.draft(h.truth.link, h.t - this.vrng.between(0.05, 0.6) * SEC, 'HEAD', h.ip, { 'user-agent': 'Microsoft Office Existence Discovery' }, `office:${h.truth.deviceId}`, 'office-check')
        out.push(d)
        if (this.vrng.chance(0.5)) out.push(this.draft(h.truth.link, d.t + 0.02 * SEC, 'GET', h.ip, { 'user-agent': 'Mozilla/4.0 (compatible; ms-office; MSOffice 16)', accept: '*/*' }, `office:${h.truth.deviceId}`, 'office-check'))
      }
      if ((kind === 'social' || kind === 'evergreen') && h.truth.personId && this.rng.chance(0.04)) {
        const person = args.pop.person(h.truth.personId)
        this.senderPreview({ link: h.truth.link, t: h.t + this.rng.between(1, 20) * MIN, kind: 'whatsapp', senderId: person.id }, args.pop, args.senderPhone, out)
      }
    }
    return out.filter((d) => d.t >= this.start && d.t < this.end)
  }

  private ip(range: string): string {
    const blocks = RANGES[range] ?? RANGES.cloud!
    return `${this.rng.pick(blocks)}.${this.rng.int(2, 250)}`
  }

  /** A scanner's address, as the world's egress says. */
  private scannerIp(vendor: ScannerVendor, range: string): string {
    switch (this.world.egress) {
      case 'fixed':
        return this.ip(range)
      case 'vendor':
        return randomIn(this.vrng.pick(VENDOR_ALLOCATIONS[vendor]), this.vrng)
      case 'cloud':
        return randomIn(this.vrng.pick(CLOUD_ALLOCATIONS[vendor === 'microsoft' ? 'azure' : 'other']), this.vrng)
      case 'unlisted':
        return `${this.vrng.pick(UNLISTED[vendor])}.${this.vrng.int(2, 250)}`
    }
  }

  private draft(link: string, t: number, method: 'GET' | 'HEAD', ip: string, headers: Record<string, string>, agent: string, botKind: string, jar?: string): ClickDraft {
    return {
      t,
      method,
      path: `/${link}`,
      ip,
      // Bots keep no cookies: every request goes out with an empty jar (unless the world says a scan session keeps one).
      jar: jar ?? this.sessions.freshJar(),
      headers,
      truth: { personId: null, deviceId: `bot:${agent}`, browserId: `bot:${agent}`, bot: true, link, botKind },
    }
  }

  private fetch(link: string, t: number, range: string, ua: string, agent: string, botKind: string): ClickDraft {
    const headers: Record<string, string> = { 'user-agent': ua, accept: '*/*', 'accept-encoding': 'gzip, deflate' }
    return this.draft(link, t, 'GET', this.ip(range), headers, agent, botKind)
  }

  private senderPreview(s: Share, pop: Population, senderPhone: (p: Person, t: number) => { ip: string; os: string } | null, out: ClickDraft[]): void {
    if (!s.senderId) return
    const sender = pop.person(s.senderId)
    const phone = senderPhone(sender, s.t)
    if (!phone) return
    let ua: string
    if (s.kind === 'imessage') {
      // iMessage's preview fetcher borrows the Facebook and Twitter crawler tokens.
      ua = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0'
    } else if (this.rng.chance(0.05)) {
      // Signal's preview fetcher presents itself as WhatsApp.
      ua = 'WhatsApp/2'
    } else if (this.world.previews === 'wide' && this.vrng.chance(0.25)) {
      // Signal on Android: "WhatsApp" alone (Signal-Android #9958), on desktop and iOS "WhatsApp/2" (#13522).
      ua = this.vrng.chance(0.5) ? 'WhatsApp' : 'WhatsApp/2'
    } else {
      ua = `WhatsApp/2.${this.rng.int(24, 25)}.${this.rng.int(1, 25)}.${this.rng.int(1, 90)} ${phone.os === 'ios' ? 'i' : 'A'}`
    }
    const t = s.t - this.rng.between(2, 25) * SEC
    out.push(this.draft(s.link, t, 'GET', phone.ip, { 'user-agent': ua, 'accept-encoding': 'gzip' }, `preview:${sender.id}:${s.kind}`, 'preview-sender'))
    if (this.world.previews === 'wide' && s.kind === 'whatsapp') {
      // WhatsApp fetches as the sender types (a second fetch seconds apart), and through Meta's crawlers too (opengraphplus).
      if (this.vrng.chance(0.3)) out.push(this.draft(s.link, t + this.vrng.between(0.5, 6) * SEC, 'GET', phone.ip, { 'user-agent': ua, 'accept-encoding': 'gzip' }, `preview:${sender.id}:${s.kind}`, 'preview-sender'))
      if (this.vrng.chance(0.3)) out.push(this.draft(s.link, t + this.vrng.between(0.5, 20) * SEC, 'GET', this.ip('meta'), { 'user-agent': 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', accept: '*/*', 'accept-encoding': 'gzip, deflate' }, 'meta', 'preview'))
    }
  }

  private scanner(link: string, t: number, vendor: ScannerVendor): ClickDraft {
    const M = this.releases.chromeMajor(t, this.rng.between(0, 60) * DAY)
    const chromeWin = `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${M}.0.0.0 Safari/537.36`
    const headers: Record<string, string> = {}
    let range: string
    switch (vendor) {
      case 'microsoft':
        range = 'microsoftMail'
        headers['user-agent'] = this.rng.chance(0.85) ? chromeWin : `${chromeWin} Edg/${M}.0.0.0`
        break
      case 'proofpoint':
        range = 'proofpoint'
        headers['user-agent'] = this.rng.chance(0.7) ? chromeWin : 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0'
        break
      case 'mimecast':
        range = 'mimecast'
        headers['user-agent'] = this.rng.chance(0.6) ? 'Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko' : chromeWin
        break
      case 'barracuda':
        range = 'barracuda'
        headers['user-agent'] = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/${M}.0.0.0 Safari/537.36`
        break
    }
    headers['accept'] = this.rng.chance(0.6) ? 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7' : '*/*'
    if (this.rng.chance(0.5)) headers['accept-language'] = 'en-US,en;q=0.9'
    headers['accept-encoding'] = 'gzip, deflate, br'
    if (this.rng.chance(0.4) && /Chrome/.test(headers['user-agent'] ?? '')) {
      headers['sec-ch-ua'] = `"Chromium";v="${M}", "Not A(Brand";v="24", "Google Chrome";v="${M}"`
      headers['sec-ch-ua-mobile'] = '?0'
      headers['sec-ch-ua-platform'] = '"Windows"'
      headers['upgrade-insecure-requests'] = '1'
    }
    const method = this.rng.chance(0.2) ? 'HEAD' : 'GET'
    if (this.world.ua !== 'default') this.browserIdentity(headers, t)
    return this.draft(link, t, method, this.scannerIp(vendor, range), headers, `scanner:${vendor}`, 'mail-scanner')
  }

  /**
   * One scanner visit as the world has it: a HEAD then a GET from the same place (better-auth
   * #9690), mostly HEADs, or the default single request; `jar` is the scan session's when it keeps cookies.
   */
  private scan(link: string, t: number, vendor: ScannerVendor, jar?: string, ip?: string): ClickDraft[] {
    const d = this.scanner(link, t, vendor)
    if (jar !== undefined) d.jar = jar
    if (ip !== undefined) d.ip = ip
    switch (this.world.head) {
      case 'default':
        return [d]
      case 'head-heavy':
        d.method = this.vrng.chance(0.7) ? 'HEAD' : 'GET'
        return [d]
      case 'head-get': {
        const get = { ...d, t: d.t + this.vrng.between(0.2, 3) * SEC, method: 'GET' as const, headers: { ...d.headers } }
        return [{ ...d, method: 'HEAD' }, get]
      }
    }
  }

  /**
   * A scanner that presents a real desktop browser: the current Chrome (or Edge) with the
   * client hints and Fetch Metadata that browser sends with a navigation (a sandboxed
   * headless Chrome: emdash #3298; Suped 2025), or, rotating, a new desktop identity per
   * fetch — Chrome or Edge on Windows, Chrome or Safari on macOS, Chrome on Linux.
   */
  private browserIdentity(headers: Record<string, string>, t: number): void {
    const M = this.releases.chromeMajor(t, this.vrng.between(0, 21) * DAY)
    const os = this.world.ua === 'rotating' ? this.vrng.weighted([['windows', 0.5], ['mac', 0.3], ['linux', 0.2]] as const) : 'windows'
    const safari = os === 'mac' && this.vrng.chance(0.4)
    const edge = os === 'windows' && this.vrng.chance(0.2)
    for (const k of Object.keys(headers)) delete headers[k]
    if (safari) {
      headers['user-agent'] = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Safari/605.1.15'
      headers['accept'] = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
      headers['accept-language'] = this.vrng.chance(0.5) ? 'en-US' : 'it-IT'
      headers['accept-encoding'] = 'gzip, deflate, br'
      headers['sec-fetch-dest'] = 'document'
      headers['sec-fetch-mode'] = 'navigate'
      headers['sec-fetch-site'] = 'none'
      return
    }
    const platform = os === 'windows' ? 'Windows NT 10.0; Win64; x64' : os === 'mac' ? 'Macintosh; Intel Mac OS X 10_15_7' : 'X11; Linux x86_64'
    headers['user-agent'] = `Mozilla/5.0 (${platform}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${M}.0.0.0 Safari/537.36${edge ? ` Edg/${M}.0.0.0` : ''}`
    headers['accept'] = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7'
    headers['accept-language'] = this.vrng.chance(0.5) ? 'en-US,en;q=0.9' : 'it-IT,it;q=0.9,en-US;q=0.8,en;q=0.7'
    headers['accept-encoding'] = 'gzip, deflate, br, zstd'
    headers['sec-ch-ua'] = `"Chromium";v="${M}", "Not A(Brand";v="24", "${edge ? 'Microsoft Edge' : 'Google Chrome'}";v="${M}"`
    headers['sec-ch-ua-mobile'] = '?0'
    headers['sec-ch-ua-platform'] = os === 'windows' ? '"Windows"' : os === 'mac' ? '"macOS"' : '"Linux"'
    headers['upgrade-insecure-requests'] = '1'
    headers['sec-fetch-dest'] = 'document'
    headers['sec-fetch-mode'] = 'navigate'
    headers['sec-fetch-site'] = 'none'
    headers['sec-fetch-user'] = '?1'
  }



  private emailScans(s: Share, out: ClickDraft[]): void {
    const vendor = s.officeId ? this.vendors.get(s.officeId) : undefined
    if (!vendor) return
    // Every mailbox's copy (Act-On: "often for contacts on the same email domain"), or one or two per message when the verdict is cached.
    const mailboxes = this.world.mailboxes === 'each' ? (s.recipients ?? []) : (s.recipients ?? []).slice(0, this.vrng.chance(0.3) ? 2 : 1)
    for (const _ of mailboxes) {
      // Throttled bulk delivery spreads the mailboxes' copies over minutes.
      const delivered = this.world.spread === 'slow' ? this.vrng.between(0, 10) * MIN : 0
      const t = s.t + delivered + this.rng.logNormal(25, 1) * SEC
      // A session that keeps its cookie is one sandboxed browser: its second fetch leaves by the same address.
      const session = this.world.keepsCookies ? this.sessions.freshJar() : undefined
      const first = this.scan(s.link, t, vendor, session)
      out.push(...first)
      if (this.rng.chance(0.35)) out.push(...this.scan(s.link, t + this.rng.between(0.2, 8) * SEC, vendor, session, session ? first[0]!.ip : undefined))
    }
  }

  private socialBots(s: Share, out: ClickDraft[]): void {
    const platform = s.platform ?? 'facebook'
    const n = this.rng.int(2, 6)
    for (let i = 0; i < n; i++) {
      const t = s.t + (i === 0 ? this.rng.between(1, 10) * SEC : this.rng.exp(2) * HOUR)
      if (platform === 'facebook' || platform === 'instagram') {
        const ua = this.rng.chance(0.75) ? 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)' : 'meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)'
        out.push(this.fetch(s.link, t, 'meta', ua, 'meta', 'preview'))
      } else if (platform === 'x') {
        out.push(this.fetch(s.link, t, 'twitter', 'Twitterbot/1.0', 'twitterbot', 'preview'))
      } else if (platform === 'linkedin') {
        out.push(this.fetch(s.link, t, 'linkedin', 'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)', 'linkedinbot', 'preview'))
      } else {
        out.push(this.fetch(s.link, t, 'bytedance', 'Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)', 'bytespider', 'preview'))
      }
    }
    if (this.rng.chance(0.3)) {
      const d = this.fetch(s.link, s.t + this.rng.exp(6) * HOUR, 'discord', 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)', 'discordbot', 'preview')
      out.push(d)
      if (this.world.previews === 'wide') {
        // Discord fetches again under a frozen Firefox UA (discord-api-docs #1600, #3872).
        const ua = this.vrng.chance(0.7) ? 'Mozilla/5.0 (Macintosh; Intel Mac OS X 11.6; rv:92.0) Gecko/20100101 Firefox/92.0' : 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.10; rv:38.0) Gecko/20100101 Firefox/38.0'
        const headers: Record<string, string> = { 'user-agent': ua, accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'accept-encoding': 'gzip, deflate, br' }
        if (this.vrng.chance(0.5)) headers['accept-language'] = 'en-US,en;q=0.5'
        out.push(this.draft(s.link, d.t + this.vrng.between(0.3, 5) * SEC, 'GET', this.ip('discord'), headers, 'discord-proxy', 'preview'))
      }
    }
    const crawls = this.rng.poisson(3)
    for (let i = 0; i < crawls; i++) out.push(this.crawler(s.link, s.t + this.rng.exp(2) * DAY))
    // Scrapers that present a complete, current desktop Chrome (ad verification, link monitors).
    const stealth = this.rng.int(0, 3)
    for (let i = 0; i < stealth; i++) out.push(this.stealth(s.link, s.t + this.rng.exp(40) * MIN))
    const tools = this.rng.poisson(1.5)
    for (let i = 0; i < tools; i++) out.push(this.tool(s.link, s.t + this.rng.exp(1) * DAY))
  }

  private evergreenBots(s: Share, out: ClickDraft[]): void {
    const days = (this.end - this.start) / DAY
    const crawls = this.rng.poisson(0.3 * days)
    for (let i = 0; i < crawls; i++) out.push(this.crawler(s.link, this.start + this.rng.between(0, days) * DAY))
    const tools = this.rng.poisson(0.1 * days)
    for (let i = 0; i < tools; i++) out.push(this.tool(s.link, this.start + this.rng.between(0, days) * DAY))
    if (this.rng.chance(0.5)) {
      // An uptime monitor checking the link twice a day with HEAD.
      const ip = this.ip('cloud')
      const phase = this.rng.between(0, 12) * HOUR
      for (let t = this.start + phase; t < this.end; t += 12 * HOUR) {
        const d = this.draft(s.link, t + this.rng.between(0, 30) * SEC, 'HEAD', ip, { 'user-agent': 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)', accept: '*/*' }, 'uptimerobot', 'monitor')
        out.push(d)
      }
    }
    const stealth = this.rng.poisson(0.05 * days)
    for (let i = 0; i < stealth; i++) out.push(this.stealth(s.link, this.start + this.rng.between(0, days) * DAY))
  }

  private crawler(link: string, t: number): ClickDraft {
    const c = this.rng.weighted(CRAWLERS.map((x) => [x, x.weight] as const))
    const M = this.releases.chromeMajor(t, 0)
    const headers: Record<string, string> = {
      'user-agent': c.ua(M),
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      'accept-encoding': 'gzip, deflate, br',
    }
    if (c.name === 'googlebot') headers['from'] = 'googlebot(at)googlebot.com'
    return this.draft(link, t, this.rng.chance(0.05) ? 'HEAD' : 'GET', this.ip(c.range), headers, c.name, 'crawler')
  }

  private tool(link: string, t: number): ClickDraft {
    const ua = this.rng.pick(TOOLS)
    const headers: Record<string, string> = { accept: '*/*' }
    if (ua) headers['user-agent'] = ua
    const agent = `tool:${ua || 'none'}:${this.rng.int(1, 1000)}`
    return this.draft(link, t, this.rng.chance(0.4) ? 'HEAD' : 'GET', this.ip('cloud'), headers, agent, 'tool')
  }

  private stealth(link: string, t: number): ClickDraft {
    const M = this.releases.chromeMajor(t, 0)
    const headers: Record<string, string> = {
      'user-agent': `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${M}.0.0.0 Safari/537.36`,
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7',
      'accept-language': this.rng.chance(0.5) ? 'en-US,en;q=0.9' : 'it-IT,it;q=0.9,en-US;q=0.8,en;q=0.7',
      'accept-encoding': 'gzip, deflate, br, zstd',
      'upgrade-insecure-requests': '1',
      'sec-fetch-dest': 'document',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-site': 'none',
      'sec-fetch-user': '?1',
    }
    return this.draft(link, t, 'GET', this.ip('cloud'), headers, `scraper:${this.rng.int(1, 50)}`, 'scraper')
  }
}

/** A uniformly drawn host address of an IPv4 CIDR block. */
function randomIn(cidr: string, rng: Prng): string {
  const [base, bits] = cidr.split('/') as [string, string]
  const start = base.split('.').reduce((n, o) => n * 256 + Number(o), 0)
  const size = 2 ** (32 - Number(bits))
  const n = start + rng.int(1, Math.max(1, size - 2))
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.')
}
