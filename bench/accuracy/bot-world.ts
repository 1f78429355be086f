import type { CarrierSpec } from './networks.js'
import { DEFAULT_CARRIERS } from './networks.js'
import type { Prng } from './prng.js'
import type { OfficeSpec, Profile } from './profiles.js'

/**
 * How the agents that are not people could behave, within what public sources allow:
 * the knobs of the simulator's bot model (bots.ts) and the few world changes that put
 * people where a bot rule could mistake them for bots. The default world is the one
 * `npm run bench:accuracy` has always simulated (byte-identical traffic); every named
 * variant moves some knobs to another reading of the sources, so that a detector rule
 * that holds only on one reading shows it (`npx tsx bench/accuracy/bot-variants.ts`).
 *
 * The sources, once (each knob cites the ones it rests on):
 * - [SL] Microsoft Learn, "Safe Links in Microsoft Defender for Office 365": URLs are
 *   scanned before delivery and again at the time of click; MicrosoftDocs/defender-docs
 *   PR #122 (2024): "URLs scan before delivery still happens".
 * - [MAG] Magic-link issues, where scanners consume one-time links: emdash-cms/emdash
 *   #3298 (two GETs 22 s after sending, "Microsoft network (AS8075), headless Chrome user
 *   agent, no cookies", the person 4 min later); better-auth #9690 (a HEAD, then a GET,
 *   then the person); laravel-passwordless-login #79 (Safe Links from 20.72.100.79 with a
 *   Chrome 97 UA, later blank UAs from 104.47.1.254, 104.47.30.126, 104.47.2.254: many
 *   /24s of one /16); opencollective #3656 (40.94.16.*, 40.107.235.*, Chrome 72 and 64);
 *   outline #9227 (Microsoft now runs the page's script: client-side redirects followed);
 *   next-auth #1840 (bots "click on buttons"; Outlook mail delayed ~10 min while scanned);
 *   FusionAuth #629 (the JavaScript may also be executed by the Safe Links crawler).
 * - [ACT] Act-On, "Identifying False Positives in Email Clicks": Barracuda ESS clicks
 *   through for contacts of one domain, all at the same time, just after the send, with
 *   no identifying UA; [SUP] Suped (2025): scanner UAs "look real because the scanner
 *   needs to see the same destination that a person would see"; [MC] maincross.net: Safe
 *   Links fully loads each link of each mail, 15 000 loads in ~50 s for 1 000 mails.
 * - [MIME] Mimecast, "How Does Targeted Threat Protection - URL Protect Work?" and UniSA
 *   IT: Mimecast "performs URL sandboxing for each and every click before redirecting the
 *   user"; Mimecast support: a rewritten URL is rate-limited at 50 clicks in 5 s.
 * - [DISC] discord/discord-api-docs #1600 and #3872: Discord crawls with Discordbot and
 *   fetches again with a frozen Firefox UA (Firefox/38 on OS X 10.10; later Firefox/92 on
 *   macOS 11.6, special-cased by many embed services).
 * - [SIG] signalapp/Signal-Android #9958 and #13522, Signal-Desktop #5046: Signal builds
 *   the preview on the sender's device (a LAN address in the reporter's log) with the UA
 *   "WhatsApp" or "WhatsApp/2".
 * - [OGP] opengraphplus.com, "The WhatsApp crawler": WhatsApp also fetches through Meta's
 *   infrastructure as facebookexternalhit/1.1, and starts fetching as the sender types.
 * - [KB] Microsoft KB 899927: Office applications check a link with "Microsoft Office
 *   Existence Discovery" / "Microsoft Office Protocol Discovery" requests (OPTIONS/HEAD)
 *   from the user's own machine before handing it to the browser.
 * - Published egress ranges (what customers allow-list): Microsoft 365 "URLs and IP
 *   address ranges" (Exchange Online: 40.92.0.0/15, 40.107.0.0/16, 52.100.0.0/14,
 *   104.47.0.0/17; the SPF record spf.protection.outlook.com lists the same), Proofpoint
 *   hosted (148.163.128.0/19, 67.231.144.0/20), Mimecast "Data Centers & URLs" (US
 *   205.139.110.0/23, 207.211.30.0/24, 216.205.24.0/24, 170.10.128.0/22; UK 91.220.42.0/24,
 *   146.101.78.0/24, 185.58.84.0/22), Barracuda ESS (spf.ess.barracudanetworks.com:
 *   209.222.80.0/21; 64.235.144.0/20).
 */
export interface BotWorld {
  name: string
  /** A gateway fetches every recipient's copy of a link ([ACT], [MC]) or, caching its verdict, one or two per message. */
  mailboxes: 'each' | 'once'
  /**
   * Where scanners fetch from: a few fixed /24s (most inside the published ranges); any /24 of
   * the vendor's published allocations; a few /24s outside them (Microsoft's reported Azure
   * ones, [MAG]); or any cloud address.
   */
  egress: 'fixed' | 'vendor' | 'unlisted' | 'cloud'
  /** A scanner's second fetch comes from the same browser session, with the cookie the first one got ([MAG]: scripts run, buttons clicked). */
  keepsCookies: boolean
  /** Scanner UAs: the default mix; a current desktop Chrome with its full header set ([SUP], [MAG] headless Chrome); or a new desktop identity per fetch (Windows, macOS, Linux). */
  ua: 'default' | 'modern' | 'rotating'
  /** Delivery scans within a minute or so of the send ([ACT], [MC]), or spread over ten minutes of delivery (throttled bulk sends; [MAG] next-auth #1840). */
  spread: 'default' | 'slow'
  /** HEAD share of scanner fetches: 20 %, every fetch a HEAD then a GET ([MAG] better-auth #9690), or mostly HEAD. */
  head: 'default' | 'head-get' | 'head-heavy'
  /** Time-of-click checks by Safe Links only, or by every gateway ([MIME]: every click is sandboxed first). */
  clickTime: 'microsoft' | 'all'
  /** Preview fetchers as modelled, or with the second fetches and borrowed UAs of [DISC], [SIG], [OGP] and Office's existence checks [KB]. */
  previews: 'default' | 'wide'
  /** Many small companies (5–20 people), most behind a gateway, instead of a few big offices. */
  smallOffices: boolean
  /** People open an internal mail within minutes of its send (an all-hands notice), on the first issue too. */
  crowd: boolean
  /** A social post pushed to phones: a quarter of its clicks in its first minutes, carriers' NAT pools small. */
  cgnatCrowd: boolean
}

export const DEFAULT_WORLD: BotWorld = {
  name: 'default',
  mailboxes: 'each',
  egress: 'fixed',
  keepsCookies: false,
  ua: 'default',
  spread: 'default',
  head: 'default',
  clickTime: 'microsoft',
  previews: 'default',
  smallOffices: false,
  crowd: false,
  cgnatCrowd: false,
}

/**
 * The named variants, each one reading of the sources; `independent` puts the plausible ones
 * together. The `unlisted-` ones move the scanners out of the vendors' published ranges, which
 * the detector knows (src/decisions/mail-security-ranges.ts), so that what is left is judged by
 * behaviour alone.
 */
export const BOT_WORLDS: Readonly<Record<string, Partial<BotWorld>>> = {
  default: {},
  'small-offices': { smallOffices: true },
  'once-per-message': { mailboxes: 'once', smallOffices: true },
  'vendor-egress': { egress: 'vendor' },
  'unlisted-egress': { egress: 'unlisted' },
  'cloud-egress': { egress: 'cloud' },
  cookies: { keepsCookies: true },
  'modern-ua': { ua: 'modern' },
  'rotating-ua': { ua: 'rotating' },
  slow: { spread: 'slow' },
  'head-get': { head: 'head-get' },
  'head-heavy': { head: 'head-heavy' },
  'click-time-all': { clickTime: 'all' },
  'previews-wide': { previews: 'wide' },
  crowd: { crowd: true },
  'cgnat-crowd': { cgnatCrowd: true },
  independent: { smallOffices: true, egress: 'vendor', keepsCookies: true, ua: 'modern', spread: 'slow', head: 'head-get', clickTime: 'all', previews: 'wide', crowd: true },
  // The same, with every scanner outside the published ranges: behaviour alone.
  'independent-unlisted': { smallOffices: true, egress: 'unlisted', keepsCookies: true, ua: 'modern', spread: 'slow', head: 'head-get', clickTime: 'all', previews: 'wide', crowd: true },
  'unlisted-rotating': { egress: 'unlisted', ua: 'rotating' },
  'unlisted-cookies': { egress: 'unlisted', keepsCookies: true },
  'unlisted-slow': { egress: 'unlisted', spread: 'slow' },
  'unlisted-small-offices': { egress: 'unlisted', smallOffices: true },
}

export function botWorld(name: string): BotWorld {
  const over = BOT_WORLDS[name]
  if (!over) throw new Error(`unknown bot world ${name} (one of ${Object.keys(BOT_WORLDS).join(', ')})`)
  return { ...DEFAULT_WORLD, ...over, name }
}

/**
 * The profile a world runs on: with `smallOffices`, the same number of employees in
 * companies of 5–20 people, three in four of them behind a gateway (most small firms buy
 * Microsoft 365 with Defender or a filtering service), each leaving by one address.
 */
export function worldProfile(profile: Profile, world: BotWorld, rng: Prng): Profile {
  if (!world.smallOffices) return profile
  const offices: OfficeSpec[] = []
  for (const big of profile.offices) {
    for (let left = big.size; left > 0; ) {
      const size = Math.min(left, rng.int(5, 20))
      left -= size
      offices.push({ ...big, size, egressIps: 1, gateway: rng.chance(0.75) })
    }
  }
  return { ...profile, offices }
}

/** Carriers whose NAT pools our population crowds into a few addresses (`cgnatCrowd`). */
export function worldCarriers(world: BotWorld): CarrierSpec[] {
  if (!world.cgnatCrowd) return DEFAULT_CARRIERS
  return DEFAULT_CARRIERS.map((c) => ({ ...c, poolSize: Math.max(4, Math.round(c.poolSize / 4)) }))
}
