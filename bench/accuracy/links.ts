import type { App } from './browsers.js'
import type { LocalClock } from './local-clock.js'
import type { OfficeSite, Person, Population } from './population.js'
import type { Prng } from './prng.js'
import type { Profile } from './profiles.js'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR

export type LinkKind = 'newsletter' | 'social' | 'family-chat' | 'evergreen' | 'work-chat'
/** How a person reached the link: it decides device, browser (in-app or not) and Referer. */
export type Via = App | 'email' | 'whatsapp' | 'telegram' | 'imessage' | 'slack' | 'teams' | 'bookmark' | 'web'

export interface SimLink {
  slug: string
  url: string
  /** The destination's registrable domain: what Safari's tracking prevention counts a redirector by (sessions.ts). */
  site: string
  kind: LinkKind
  createdAt: number
  officeId?: string
  platform?: App
}

/** A moment the link was shared, for the bots that follow shares (previews, scanners). */
export interface Share {
  link: string
  t: number
  kind: 'email' | 'social' | 'whatsapp' | 'telegram' | 'imessage' | 'slack' | 'teams' | 'evergreen'
  /** who shared it, for previews fetched from the sender's own phone */
  senderId?: string
  officeId?: string
  platform?: App
  /** newsletter recipients (their mailboxes are scanned) */
  recipients?: string[]
}

/**
 * People who click within minutes of a send, where a bot rule that counts fast cookieless
 * clicks could take them for a scanner (bench/accuracy/bot-world.ts): an internal notice
 * read at the desk as it arrives, a post pushed to phones. Off by default.
 */
export interface Crowds {
  /** Share of a newsletter's clickers who open it within 0.5–6 minutes of the send. */
  newsletter?: number
  /** Share of a social post's clickers who follow its push notification within 8 minutes. */
  social?: number
}

export interface ClickIntent {
  /** unique, stable across sorting */
  key: number
  personId: string
  link: string
  t: number
  via: Via
  /** key of the click this one repeats seconds later, in the same window */
  repeatOf?: number
  /** key of the click after which the same person comes back on another of their devices */
  otherDeviceThan?: number
  /** key of the click reopened moments later in another browser of the same device ("Open in Safari") */
  reopenOf?: number
}

/**
 * Where links point. A shortener's links lead to many sites — the articles of a newsletter,
 * the shop or the video in a family chat, the post's page — so one visitor is redirected by
 * it to several registrable domains, which is what makes Safari classify it as a bounce
 * tracker (sessions.ts). An evergreen link is one site (a team's tool, a course page).
 * Chosen from the slug, so that no random draw of the simulation moves.
 */
export const DESTINATION_SITES = 48

export function destinationSite(kind: LinkKind, slug: string): string {
  if (kind === 'evergreen') return `${slug}.example`
  let h = 0
  for (const ch of slug) h = (h * 31 + ch.charCodeAt(0)) >>> 0
  return `site${String(h % DESTINATION_SITES).padStart(2, '0')}.example`
}

/**
 * The links and who clicks them when. Each kind has its own audience and
 * rhythm:
 * - newsletter: one office's mailboxes; opens trail the send by hours
 *   (log-normal, median 1.5 h), many at the desk;
 * - social: a public post seen by a share of the population in its app;
 *   attention decays with a half-life of a few hours (Bitly, "You just
 *   shared a link. How long will people pay attention?", 2011: 2.8–3.4 h);
 * - family chat: a group of 2–4 related households; most click within the
 *   hour, on phones;
 * - evergreen: the same people return for weeks (Poisson visits with a
 *   per-person rate), from bookmarks, the web, or mail;
 * - work chat: pasted in the office's Slack/Teams during working hours.
 * People sometimes click twice within seconds (a double tap, a slow page)
 * and sometimes come back later on another device ("I'll read it on the
 * laptop").
 */
export class Links {
  readonly links: SimLink[] = []
  readonly shares: Share[] = []
  readonly intents: ClickIntent[] = []
  private readonly slugs = new Set<string>()

  constructor(
    private readonly rng: Prng,
    private readonly clock: LocalClock,
    private readonly pop: Population,
    private readonly start: number,
    private readonly end: number,
    private readonly crowds: Crowds = {},
  ) {}

  static build(opts: { rng: Prng; clock: LocalClock; pop: Population; profile: Profile; start: number; end: number; scale: number; crowds?: Crowds }): Links {
    const l = new Links(opts.rng, opts.clock, opts.pop, opts.start, opts.end, opts.crowds)
    const plan = opts.profile.links
    for (const office of opts.pop.offices) {
      for (let i = 0; i < plan.newsletter.issuesPerOffice; i++) l.newsletter(office, i, plan.newsletter.clickProb)
      for (let i = 0; i < plan.workChat.linksPerOffice; i++) l.workChat(office, plan.workChat.clickProb)
    }
    for (let i = 0; i < plan.social.posts; i++) l.social(plan.social.reach, plan.social.clickProb)
    const chats = Math.max(1, Math.round(plan.familyChat.chats * opts.scale))
    for (let i = 0; i < chats; i++) l.familyChat(plan.familyChat.clickProb)
    for (let i = 0; i < plan.evergreen.links; i++) l.evergreen(Math.max(5, Math.round(plan.evergreen.audience * opts.scale)), plan.evergreen.visitsPerDay)
    l.intents.sort((a, b) => a.t - b.t)
    return l
  }

  private newLink(kind: LinkKind, createdAt: number, extra: Partial<SimLink> = {}): SimLink {
    let slug: string
    do {
      slug = this.rng.hex(7).replace(/^[0-9]/, (d) => 'abcdefghij'[Number(d)] ?? 'a')
    } while (this.slugs.has(slug))
    this.slugs.add(slug)
    const site = destinationSite(kind, slug)
    const link: SimLink = { slug, url: `https://${site}/${this.rng.pick(['p', 'blog', 'go', 'news', 'r'])}/${this.rng.hex(10)}`, site, kind, createdAt, ...extra }
    this.links.push(link)
    return link
  }

  /** A local time on a given day offset (days from start) at a local hour, for a time zone. */
  private localTime(tz: string, dayOffset: number, hour: number): number {
    const approx = this.start + dayOffset * DAY
    const midnight = this.clock.localMidnight(tz, approx)
    return midnight + hour * HOUR
  }

  /** Pushes a time out of the night: people asleep act in the morning. */
  private awake(tz: string, t: number): number {
    const h = this.clock.hour(tz, t)
    if (h >= 7 && h < 23.5) return t
    const until7 = h >= 23.5 ? 24 - h + 7 : 7 - h
    return t + (until7 + this.rng.exp(1.2)) * HOUR
  }

  private click(person: Person, link: string, t: number, via: Via): void {
    if (t >= this.end || t < this.start) return
    const idx = this.intents.length
    this.intents.push({ key: idx, personId: person.id, link, t, via })
    // A double tap or an impatient second click (an assumption: a few percent of clicks).
    if (this.rng.chance(0.05)) this.intents.push({ key: this.intents.length, personId: person.id, link, t: t + this.rng.between(1, 40) * 1000, via, repeatOf: idx })
    // "Open in browser": an in-app page that needs a login, a link copied into the other browser
    // (an assumption: a few percent of clicks).
    if (this.rng.chance(0.06)) this.intents.push({ key: this.intents.length, personId: person.id, link, t: t + this.rng.between(8, 300) * 1000, via: 'bookmark', reopenOf: idx })
    // Later, on another device (cross-device reading; an assumption: ~8 % of clickers).
    if (person.devices.length > 1 && this.rng.chance(0.08)) {
      const later = this.awake(person.tz, t + this.rng.logNormal(4, 1) * HOUR)
      if (later < this.end) this.intents.push({ key: this.intents.length, personId: person.id, link, t: later, via: 'bookmark', otherDeviceThan: idx })
    }
  }

  private newsletter(office: OfficeSite, issue: number, clickProb: number): void {
    const tz = office.members[0]?.tz ?? 'Europe/Rome'
    const days = (this.end - this.start) / DAY
    const day = Math.min(days - 1, issue * 7 + this.rng.int(1, 3))
    const send = this.localTime(tz, day, this.rng.between(9.3, 11))
    const link = this.newLink('newsletter', send - HOUR, { officeId: office.id })
    const recipients = office.members.map((m) => m.id)
    this.shares.push({ link: link.slug, t: send, kind: 'email', officeId: office.id, recipients })
    for (const m of office.members) {
      if (!this.rng.chance(clickProb)) continue
      const crowd = this.crowds.newsletter !== undefined && this.rng.chance(this.crowds.newsletter)
      const t = crowd ? send + this.rng.between(0.5, 6) * MIN : this.awake(m.tz, send + this.rng.logNormal(1.5, 1.3) * HOUR)
      this.click(m, link.slug, t, 'email')
    }
  }

  private workChat(office: OfficeSite, clickProb: number): void {
    if (office.members.length === 0) return
    const sender = this.rng.pick(office.members)
    const days = (this.end - this.start) / DAY
    let day = this.rng.int(0, Math.max(0, Math.floor(days) - 1))
    const wd = this.clock.weekday(sender.tz, this.start + day * DAY)
    if (wd === 0) day += 1
    if (wd === 6) day += 2
    const t0 = this.localTime(sender.tz, day, this.rng.between(9.5, 17))
    const tool = office.template.os === 'windows' && this.rng.chance(0.5) ? 'teams' : 'slack'
    const link = this.newLink('work-chat', t0 - 10 * MIN, { officeId: office.id })
    this.shares.push({ link: link.slug, t: t0, kind: tool, senderId: sender.id, officeId: office.id })
    for (const m of office.members) {
      if (!this.rng.chance(clickProb)) continue
      this.click(m, link.slug, this.awake(m.tz, t0 + this.rng.logNormal(15, 1.4) * MIN), tool)
    }
  }

  private social(reach: number, clickProb: number): void {
    const platform: App = this.rng.weighted([['instagram', 0.35], ['facebook', 0.3], ['linkedin', 0.15], ['x', 0.1], ['tiktok', 0.1]] as const)
    const days = (this.end - this.start) / DAY
    const t0 = this.localTime('Europe/Rome', this.rng.between(0, Math.max(0, days - 3)), this.rng.between(8, 21))
    const link = this.newLink('social', t0 - 30 * MIN, { platform })
    this.shares.push({ link: link.slug, t: t0, kind: 'social', platform })
    for (const p of this.pop.persons) {
      // Followers see it in the app; others may meet it on the platform's website or a repost.
      const onApp = p.apps.includes(platform)
      if (!this.rng.chance(onApp ? reach : reach * 0.15)) continue
      if (!this.rng.chance(clickProb)) continue
      // Attention half-life of a few hours: exponential with a 4.5 h mean (half-life ≈ 3.1 h).
      const pushed = this.crowds.social !== undefined && this.rng.chance(this.crowds.social)
      const t = pushed ? t0 + this.rng.between(0.2, 8) * MIN : this.awake(p.tz, t0 + this.rng.exp(4.5) * HOUR)
      this.click(p, link.slug, t, onApp ? platform : 'web')
    }
  }

  private familyChat(clickProb: number): void {
    const households = this.pop.households
    const core = this.rng.pick(households)
    const relatives = this.rng.sample(households.filter((h) => h !== core), this.rng.int(1, 3))
    const members = [core, ...relatives].flatMap((h) => h.members)
    const withPhone = members.filter((m) => m.devices.some((d) => d.kind === 'phone'))
    const sender = withPhone.length > 0 ? this.rng.pick(withPhone) : this.rng.pick(members)
    const days = (this.end - this.start) / DAY
    const t0 = this.localTime(sender.tz, this.rng.between(0, Math.max(0, days - 1)), this.rng.between(8, 22))
    const senderIos = sender.devices.some((d) => d.kind === 'phone' && d.os === 'ios')
    const app = this.rng.weighted([['whatsapp', 0.82], ['telegram', 0.08], ['imessage', senderIos ? 0.1 : 0]] as const)
    const link = this.newLink('family-chat', t0 - 5 * MIN)
    this.shares.push({ link: link.slug, t: t0, kind: app, senderId: sender.id })
    for (const m of members) {
      if (!this.rng.chance(m === sender ? 0.15 : clickProb)) continue
      this.click(m, link.slug, this.awake(m.tz, t0 + this.rng.logNormal(20, 1.5) * MIN), app)
    }
  }

  private evergreen(audience: number, visitsPerDay: number): void {
    const link = this.newLink('evergreen', this.start - 10 * DAY)
    this.shares.push({ link: link.slug, t: this.start, kind: 'evergreen' })
    const people = this.rng.sample(this.pop.persons, audience)
    const days = (this.end - this.start) / DAY
    for (const p of people) {
      const rate = visitsPerDay * this.rng.logNormal(1, 0.8)
      const n = Math.max(1, this.rng.poisson(rate * days))
      const via: Via = this.rng.weighted([['bookmark', 0.55], ['web', 0.3], ['email', 0.15]] as const)
      for (let i = 0; i < n; i++) {
        const t = this.awake(p.tz, this.start + this.rng.between(0, days) * DAY)
        this.click(p, link.slug, t, this.rng.chance(0.8) ? via : 'web')
      }
    }
  }
}
