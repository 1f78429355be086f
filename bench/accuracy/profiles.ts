import type { App } from './browsers.js'

export type ProfileName = 'mixed' | 'office' | 'mobile' | 'household'
export type Role = 'worker' | 'student' | 'home' | 'retired'

export interface OfficeSpec {
  /** employees (devices are more: work laptops plus phones) */
  size: number
  /** public addresses the whole office leaves by (1–2) */
  egressIps: number
  managedOs: { windows: number; mac: number }
  /** the office's mail goes through a secure email gateway that pre-fetches links */
  gateway: boolean
  /** weekdays each employee works from home, on average */
  wfhDays: number
  /** IT images laptops in English regardless of the user's language */
  englishImage: boolean
}

export interface Profile {
  name: ProfileName
  description: string
  defaults: { people: number; days: number }
  /** [OS languages, IANA time zone, weight] */
  locales: ReadonlyArray<readonly [string[], string, number]>
  /** household sizes 1..5 (weights) */
  householdSizes: readonly number[]
  /** adult roles (children of 3+ households are students) */
  roles: ReadonlyArray<readonly [Role, number]>
  offices: OfficeSpec[]
  /** probabilities of owning each device */
  ownership: { phone: number; computer: number; laptopShare: number; tablet: number; workLaptop: number }
  phoneOs: { android: number; ios: number }
  desktopOs: { windows: number; mac: number; linux: number; chromeos: number }
  /** a household member buys the same phone (model and OS) as another member */
  identicalPhoneShare: number
  /** households with one computer used by everybody */
  sharedComputerShare: number
  /** persons who browse through a commercial VPN on some devices */
  vpnShare: number
  /** persons who travel during the window */
  travelShare: number
  /** persons who use private windows habitually, and their private share of clicks */
  privateHabit: { share: number; rate: number }
  /** app adoption (DataReportal "Digital 2024: Italy": Facebook ≈ 60 %, Instagram ≈ 55 %, TikTok ≈ 30 %, LinkedIn ≈ 30 % of adults) */
  apps: ReadonlyArray<readonly [App, number]>
  links: LinkPlan
}

export interface LinkPlan {
  /** one link per issue; recipients are an office's employees */
  newsletter: { issuesPerOffice: number; clickProb: number }
  /** a public post: reach = share of the population that sees it */
  social: { posts: number; reach: number; clickProb: number }
  /** a link dropped in a family group chat */
  familyChat: { chats: number; clickProb: number }
  /** a link people come back to for weeks (a team's tool, a recipe site, a course page) */
  evergreen: { links: number; audience: number; visitsPerDay: number }
  /** a link pasted in the office chat */
  workChat: { linksPerOffice: number; clickProb: number }
}

/** Italy-centred audience with some foreign visitors (the seeds are Italian). */
const ITALY: Profile['locales'] = [
  [['it-IT', 'en-US'], 'Europe/Rome', 0.45],
  [['it-IT'], 'Europe/Rome', 0.4],
  [['en-GB'], 'Europe/London', 0.05],
  [['de-DE', 'en-US'], 'Europe/Berlin', 0.04],
  [['en-US'], 'America/New_York', 0.03],
  [['fr-FR'], 'Europe/Paris', 0.03],
]

const APPS: Profile['apps'] = [['instagram', 0.55], ['facebook', 0.6], ['linkedin', 0.3], ['tiktok', 0.3], ['gmail', 0.45], ['x', 0.15]]

/**
 * ISTAT (2023): Italian households are 33 % single-person, 27 % two, 19 %
 * three, 15 % four, 6 % five or more. Device ownership: smartphones ≈ 97 %
 * of adults, a computer in ≈ 70 % of households, tablets ≈ 35 % (ISTAT
 * "Cittadini e ICT" 2023). Phone OS: Android ≈ 70 % / iOS ≈ 30 % in Italy,
 * desktop Windows ≈ 72 %, macOS ≈ 18 % (StatCounter, 2024).
 */
const BASE: Omit<Profile, 'name' | 'description' | 'defaults' | 'offices' | 'links'> = {
  locales: ITALY,
  householdSizes: [0.33, 0.27, 0.19, 0.15, 0.06],
  roles: [['worker', 0.55], ['home', 0.15], ['retired', 0.2], ['student', 0.1]],
  ownership: { phone: 0.97, computer: 0.62, laptopShare: 0.65, tablet: 0.3, workLaptop: 0.8 },
  phoneOs: { android: 0.7, ios: 0.3 },
  desktopOs: { windows: 0.72, mac: 0.18, linux: 0.04, chromeos: 0.06 },
  identicalPhoneShare: 0.25,
  sharedComputerShare: 0.25,
  // ~ 20–30 % of adults use a VPN at some point (GWI / Security.org surveys); fewer keep it on.
  vpnShare: 0.06,
  travelShare: 0.15,
  // DuckDuckGo (2017): 46 % of Americans have used private browsing; a minority use it routinely.
  privateHabit: { share: 0.3, rate: 0.2 },
  apps: APPS,
}

export const profiles: Record<ProfileName, Profile> = {
  mixed: {
    ...BASE,
    name: 'mixed',
    description: 'A general audience: two offices, families, people on the move; every link kind.',
    defaults: { people: 900, days: 28 },
    offices: [
      { size: 140, egressIps: 2, managedOs: { windows: 0.85, mac: 0.15 }, gateway: true, wfhDays: 1.5, englishImage: false },
      { size: 50, egressIps: 1, managedOs: { windows: 0.3, mac: 0.7 }, gateway: false, wfhDays: 2, englishImage: true },
    ],
    links: {
      newsletter: { issuesPerOffice: 4, clickProb: 0.3 },
      social: { posts: 8, reach: 0.45, clickProb: 0.2 },
      familyChat: { chats: 70, clickProb: 0.7 },
      evergreen: { links: 4, audience: 60, visitsPerDay: 0.12 },
      workChat: { linksPerOffice: 3, clickProb: 0.35 },
    },
  },
  office: {
    ...BASE,
    name: 'office',
    description: 'Mostly employees: a 300-person office behind two addresses, identical managed laptops, newsletters and scanners.',
    defaults: { people: 640, days: 28 },
    roles: [['worker', 0.9], ['home', 0.04], ['retired', 0.03], ['student', 0.03]],
    // Commuting employees: more single and couple households than the national mix.
    householdSizes: [0.4, 0.35, 0.15, 0.08, 0.02],
    ownership: { ...BASE.ownership, workLaptop: 0.92 },
    offices: [
      { size: 300, egressIps: 2, managedOs: { windows: 0.9, mac: 0.1 }, gateway: true, wfhDays: 1, englishImage: false },
      { size: 90, egressIps: 1, managedOs: { windows: 1, mac: 0 }, gateway: true, wfhDays: 2, englishImage: true },
      { size: 40, egressIps: 1, managedOs: { windows: 0.2, mac: 0.8 }, gateway: false, wfhDays: 2.5, englishImage: false },
    ],
    links: {
      newsletter: { issuesPerOffice: 4, clickProb: 0.32 },
      social: { posts: 3, reach: 0.35, clickProb: 0.18 },
      familyChat: { chats: 20, clickProb: 0.7 },
      evergreen: { links: 4, audience: 70, visitsPerDay: 0.15 },
      workChat: { linksPerOffice: 4, clickProb: 0.35 },
    },
  },
  mobile: {
    ...BASE,
    name: 'mobile',
    description: 'People on phones: social posts in in-app browsers, carrier-grade NAT, café Wi-Fi, little desktop.',
    defaults: { people: 1200, days: 21 },
    roles: [['worker', 0.45], ['student', 0.35], ['home', 0.1], ['retired', 0.1]],
    householdSizes: [0.45, 0.3, 0.14, 0.08, 0.03],
    ownership: { phone: 0.99, computer: 0.35, laptopShare: 0.8, tablet: 0.15, workLaptop: 0.4 },
    offices: [{ size: 60, egressIps: 1, managedOs: { windows: 0.7, mac: 0.3 }, gateway: false, wfhDays: 2, englishImage: false }],
    vpnShare: 0.08,
    apps: [['instagram', 0.75], ['facebook', 0.5], ['linkedin', 0.2], ['tiktok', 0.55], ['gmail', 0.4], ['x', 0.2]],
    links: {
      newsletter: { issuesPerOffice: 2, clickProb: 0.25 },
      social: { posts: 18, reach: 0.5, clickProb: 0.2 },
      familyChat: { chats: 120, clickProb: 0.65 },
      evergreen: { links: 3, audience: 60, visitsPerDay: 0.12 },
      workChat: { linksPerOffice: 2, clickProb: 0.3 },
    },
  },
  household: {
    ...BASE,
    name: 'household',
    description: 'Families at home: shared routers (renumbered, IPv6), identical phones, shared computers, family chats.',
    defaults: { people: 900, days: 28 },
    householdSizes: [0.08, 0.22, 0.3, 0.3, 0.1],
    identicalPhoneShare: 0.4,
    sharedComputerShare: 0.4,
    offices: [{ size: 40, egressIps: 1, managedOs: { windows: 0.8, mac: 0.2 }, gateway: true, wfhDays: 2, englishImage: false }],
    links: {
      newsletter: { issuesPerOffice: 2, clickProb: 0.3 },
      social: { posts: 5, reach: 0.4, clickProb: 0.18 },
      familyChat: { chats: 140, clickProb: 0.75 },
      evergreen: { links: 4, audience: 70, visitsPerDay: 0.12 },
      workChat: { linksPerOffice: 2, clickProb: 0.3 },
    },
  },
}
