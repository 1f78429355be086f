import type { Prng } from './prng.js'
import type { OsFamily, UaCatalog, UaRecord } from './ua-catalog.js'

export type DeviceKind = 'phone' | 'tablet' | 'laptop' | 'desktop' | 'work-laptop'

export interface Device {
  id: string
  kind: DeviceKind
  os: OsFamily
  /** The UA's OS token, frozen by UA reduction on most browsers (e.g. "Windows NT 10.0; Win64; x64"). */
  uaOsToken: string
  /** Marketing model, for in-app user agents that leak it (e.g. "iPhone15,4", "SM-A155F"). */
  model: string
  brand: string
  /** Android release ("14") — shown by Firefox and in-app WebViews, hidden by Chrome's reduced UA. */
  androidVersion?: string
  androidBuild?: string
  /** CSS pixels and device pixel ratio, as the SDK reads them. */
  screen: { w: number; h: number; dpr: number }
  /** navigator.platform */
  platform: string
  cores: number
  memoryGb: number
  /** GPU string as WebGL reports it (Chromium unmasked renderer). */
  gpu: string
  /** OS languages, most preferred first (e.g. ["it-IT", "en-US"]). */
  langs: string[]
  /** Home time zone (IANA); travelling devices show the destination's. */
  tz: string
  /**
   * What makes this unit's rendering unique in a crowd (fonts, GPU driver,
   * installed software…), as the SDK's canvas and WebGL readouts — part of
   * its browser hash — see it; null for a unit that renders exactly like every
   * unit of the same model, OS version and settings. See UNIQUE_SHARE for the
   * rates. (The SDK's device hash reads none of it: sdk-signals.ts.)
   */
  fpEntropy: string | null
  /** Lag behind OS point releases (ms), for Apple devices whose Safari ships with the OS. */
  osLagMs: number
  /** An iPhone left on an older major iOS: its Safari version never moves in the window. */
  fixedSafari?: string
  /** Managed by an office (identical image), if any. */
  officeId?: string
  /** Persons who use it (a shared family computer has several). */
  users: string[]
  /** Carried around (phones, laptops, tablets) or left at home (desktops). */
  mobile: boolean
  /** Id of the device this one was cloned from (same model bought together, office image), for analysis. */
  twinOf?: string
}

/**
 * Share of devices whose full browser fingerprint (canvas, WebGL, fonts — the
 * SDK's browser hash) is unique in the population (`fpEntropy` set).
 * Gómez-Boix, Laperdrix & Baudry (WWW 2018, 2.07 M fingerprints from a
 * general-audience French site) found only 33.6 % of fingerprints unique
 * overall and 18.5 % on mobile; Bermejo-Agueda et al. (adF, 2023, 5.4 M ad
 * impressions) estimate 66 % of desktops and 40 % of mobiles uniquely
 * fingerprintable. We sit between the two studies for desktops and use the
 * WWW 2018 figure for phones. Managed laptops from one image are almost never
 * distinguishable.
 */
export const UNIQUE_SHARE: Record<DeviceKind, number> = {
  phone: 0.185,
  tablet: 0.25,
  laptop: 0.45,
  desktop: 0.5,
  'work-laptop': 0.05,
}

/**
 * Android phones sold in Italy/EU, with the screen a browser reports (CSS px
 * and DPR) and its GPU. Vendor weights approximate Counterpoint/StatCounter
 * vendor shares for Europe 2024 (Samsung ≈ 35 %, Xiaomi ≈ 20 %, others);
 * models are each vendor's best sellers. The `user-agents` data set cannot
 * give us models: Chrome's reduced UA says "Android 10; K" for all of them.
 */
const ANDROID_PHONES: ReadonlyArray<{ brand: string; model: string; w: number; h: number; dpr: number; versions: string[]; gpu: string; cores: number; mem: number; weight: number }> = [
  { brand: 'samsung', model: 'SM-A155F', w: 384, h: 832, dpr: 2.8125, versions: ['14', '15'], gpu: 'Mali-G57 MC2', cores: 8, mem: 4, weight: 10 },
  { brand: 'samsung', model: 'SM-A256B', w: 384, h: 832, dpr: 2.8125, versions: ['14', '15'], gpu: 'Mali-G68', cores: 8, mem: 8, weight: 7 },
  { brand: 'samsung', model: 'SM-A356B', w: 384, h: 832, dpr: 2.8125, versions: ['14', '15', '16'], gpu: 'Mali-G68', cores: 8, mem: 8, weight: 7 },
  { brand: 'samsung', model: 'SM-A556B', w: 384, h: 832, dpr: 2.8125, versions: ['15', '16'], gpu: 'Xclipse 530', cores: 8, mem: 8, weight: 8 },
  { brand: 'samsung', model: 'SM-S921B', w: 360, h: 780, dpr: 3, versions: ['15', '16'], gpu: 'Xclipse 940', cores: 8, mem: 8, weight: 6 },
  { brand: 'samsung', model: 'SM-S928B', w: 384, h: 832, dpr: 3.75, versions: ['15', '16'], gpu: 'Adreno (TM) 750', cores: 8, mem: 8, weight: 4 },
  { brand: 'Xiaomi', model: '23129RAA4G', w: 393, h: 873, dpr: 2.75, versions: ['14', '15'], gpu: 'Adreno (TM) 610', cores: 8, mem: 8, weight: 8 },
  { brand: 'Xiaomi', model: '2312DRA50G', w: 393, h: 873, dpr: 2.75, versions: ['14', '15'], gpu: 'Mali-G68 MC4', cores: 8, mem: 8, weight: 5 },
  { brand: 'Xiaomi', model: '23021RAAEG', w: 393, h: 873, dpr: 2.75, versions: ['13', '14'], gpu: 'Adreno (TM) 610', cores: 8, mem: 4, weight: 5 },
  { brand: 'Google', model: 'Pixel 8', w: 412, h: 915, dpr: 2.625, versions: ['15', '16'], gpu: 'Mali-G715', cores: 9, mem: 8, weight: 3 },
  { brand: 'Google', model: 'Pixel 7a', w: 412, h: 915, dpr: 2.625, versions: ['15', '16'], gpu: 'Mali-G710', cores: 8, mem: 8, weight: 2 },
  { brand: 'motorola', model: 'moto g54 5G', w: 360, h: 800, dpr: 3, versions: ['14'], gpu: 'PowerVR BXM-8-256', cores: 8, mem: 8, weight: 3 },
  { brand: 'OPPO', model: 'CPH2565', w: 360, h: 800, dpr: 2, versions: ['14', '15'], gpu: 'Mali-G57 MC2', cores: 8, mem: 8, weight: 3 },
  { brand: 'realme', model: 'RMX3834', w: 360, h: 800, dpr: 2, versions: ['14'], gpu: 'Mali-G57', cores: 8, mem: 8, weight: 2 },
]

const ANDROID_TABLETS = [
  { brand: 'samsung', model: 'SM-X210', w: 800, h: 1280, dpr: 1.5, versions: ['14', '15'], gpu: 'Adreno (TM) 613', cores: 8, mem: 4, weight: 3 },
  { brand: 'samsung', model: 'SM-X510', w: 800, h: 1280, dpr: 2, versions: ['14', '15'], gpu: 'Mali-G68 MP5', cores: 8, mem: 8, weight: 2 },
  { brand: 'Lenovo', model: 'TB328FU', w: 800, h: 1280, dpr: 1.5, versions: ['13'], gpu: 'PowerVR Rogue GE8320', cores: 8, mem: 4, weight: 2 },
] as const

/** Android build ids by release, as WebView UAs show them. */
const ANDROID_BUILDS: Record<string, string> = {
  '13': 'TP1A.220624.014',
  '14': 'UP1A.231005.007',
  '15': 'AP3A.240905.015.A2',
  '16': 'BP2A.250605.031.A3',
}

/** iPhone model identifiers by the CSS screen size Safari reports (Apple's device tables). */
const IPHONE_MODELS: Record<string, string[]> = {
  '375x667': ['iPhone12,8', 'iPhone14,6'],
  '375x812': ['iPhone12,3', 'iPhone14,4'],
  '390x844': ['iPhone13,2', 'iPhone14,5', 'iPhone14,7'],
  '393x852': ['iPhone15,2', 'iPhone15,4', 'iPhone16,1', 'iPhone17,3'],
  '402x874': ['iPhone17,1', 'iPhone18,1'],
  '414x896': ['iPhone12,1', 'iPhone11,8'],
  '420x912': ['iPhone18,4'],
  '428x926': ['iPhone13,4', 'iPhone14,3', 'iPhone14,8'],
  '430x932': ['iPhone15,3', 'iPhone15,5', 'iPhone16,2', 'iPhone17,4'],
  '440x956': ['iPhone17,2', 'iPhone18,2'],
}

const IPADS = [
  { model: 'iPad13,18', w: 820, h: 1180, weight: 4 },
  { model: 'iPad14,8', w: 820, h: 1180, weight: 2 },
  { model: 'iPad14,1', w: 744, h: 1133, weight: 1 },
  { model: 'iPad16,3', w: 834, h: 1194, weight: 1 },
] as const

/** Laptop models handed out by IT departments (one per office: the "image"). */
const MANAGED_LAPTOPS = [
  { os: 'windows' as const, model: 'Latitude 5440', w: 1536, h: 864, dpr: 1.25, gpu: 'ANGLE (Intel, Intel(R) Iris(R) Xe Graphics (0x0000A7A1) Direct3D11 vs_5_0 ps_5_0, D3D11)', cores: 12, mem: 8 },
  { os: 'windows' as const, model: 'ThinkPad T14 Gen 4', w: 1920, h: 1200, dpr: 1.25, gpu: 'ANGLE (Intel, Intel(R) Iris(R) Xe Graphics (0x0000A7A0) Direct3D11 vs_5_0 ps_5_0, D3D11)', cores: 12, mem: 8 },
  { os: 'windows' as const, model: 'HP EliteBook 840 G10', w: 1536, h: 960, dpr: 1.25, gpu: 'ANGLE (Intel, Intel(R) Iris(R) Xe Graphics (0x0000A7A1) Direct3D11 vs_5_0 ps_5_0, D3D11)', cores: 12, mem: 8 },
  { os: 'mac' as const, model: 'MacBookAir15,12', w: 1470, h: 956, dpr: 2, gpu: 'ANGLE (Apple, ANGLE Metal Renderer: Apple M3, Unspecified Version)', cores: 8, mem: 8 },
]

const DESKTOP_GPUS: Record<string, string[]> = {
  windows: [
    'ANGLE (Intel, Intel(R) UHD Graphics 620 (0x00005917) Direct3D11 vs_5_0 ps_5_0, D3D11)',
    'ANGLE (Intel, Intel(R) Iris(R) Xe Graphics (0x0000A7A1) Direct3D11 vs_5_0 ps_5_0, D3D11)',
    'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 (0x00002504) Direct3D11 vs_5_0 ps_5_0, D3D11)',
    'ANGLE (AMD, AMD Radeon(TM) Graphics (0x00001638) Direct3D11 vs_5_0 ps_5_0, D3D11)',
  ],
  mac: ['ANGLE (Apple, ANGLE Metal Renderer: Apple M1, Unspecified Version)', 'ANGLE (Apple, ANGLE Metal Renderer: Apple M2, Unspecified Version)', 'ANGLE (Apple, ANGLE Metal Renderer: Apple M3, Unspecified Version)'],
  linux: ['ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)', 'ANGLE (AMD, AMD Radeon Graphics (radeonsi, renoir, LLVM 17.0.6, DRM 3.57), OpenGL 4.6)'],
  chromeos: ['ANGLE (Intel, Mesa Intel(R) UHD Graphics 600 (GLK 3), OpenGL ES 3.2)'],
}

export interface DeviceOwner {
  langs: string[]
  tz: string
}

/**
 * Makes devices: real screens and OS tokens from the `user-agents` data set
 * for iPhones and computers, vendor tables for Android (whose reduced UA hides
 * the model), and clones for the hard collisions — phones of one model bought
 * together by a family, laptops from one office image.
 */
export class Devices {
  private seq = 0

  constructor(
    private readonly catalog: UaCatalog,
    private readonly rng: Prng,
    /** Lag (ms) behind Apple point releases: mean and share that never update in the window. */
    private readonly appleUpdate = { meanDays: 12, neverShare: 0.3 },
  ) {}

  private nextId(): string {
    this.seq++
    return `d${String(this.seq).padStart(5, '0')}`
  }

  private osLag(rng: Prng = this.rng): number {
    // Apple's own adoption figures: most devices are on a point release within weeks, a long tail is not.
    if (rng.chance(this.appleUpdate.neverShare)) return 120 * 86_400_000
    return rng.exp(this.appleUpdate.meanDays) * 86_400_000
  }

  private entropy(kind: DeviceKind): string | null {
    return this.rng.chance(UNIQUE_SHARE[kind]) ? this.rng.hex(12) : null
  }

  phone(owner: DeviceOwner, os: 'android' | 'ios'): Device {
    const id = this.nextId()
    if (os === 'ios') {
      const rec = this.catalog.sample(this.rng, 'ios', 'mobile', (r) => /Version\/[\d.]+ Mobile\/\w+ Safari\/604/.test(r.userAgent) && IPHONE_MODELS[`${r.screenWidth}x${r.screenHeight}`] !== undefined)
      return this.iphoneFrom(id, rec, owner)
    }
    const spec = this.rng.weighted(ANDROID_PHONES.map((p) => [p, p.weight] as const))
    const androidVersion = this.rng.pick(spec.versions)
    return {
      id,
      kind: 'phone',
      os: 'android',
      uaOsToken: 'Linux; Android 10; K',
      model: spec.model,
      brand: spec.brand,
      androidVersion,
      androidBuild: ANDROID_BUILDS[androidVersion] ?? 'UP1A.231005.007',
      screen: { w: spec.w, h: spec.h, dpr: spec.dpr },
      platform: 'Linux armv81',
      cores: spec.cores,
      memoryGb: spec.mem,
      gpu: spec.gpu,
      langs: owner.langs.slice(),
      tz: owner.tz,
      fpEntropy: this.entropy('phone'),
      osLagMs: this.osLag(),
      users: [],
      mobile: true,
    }
  }

  private iphoneFrom(id: string, rec: UaRecord | undefined, owner: DeviceOwner): Device {
    const w = rec?.screenWidth ?? 393
    const h = rec?.screenHeight ?? 852
    const token = /\((iPhone; CPU iPhone OS [\d_]+ like Mac OS X)\)/.exec(rec?.userAgent ?? '')?.[1] ?? 'iPhone; CPU iPhone OS 18_6 like Mac OS X'
    const models = IPHONE_MODELS[`${w}x${h}`] ?? ['iPhone15,4']
    const recordVersion = /Version\/([\d.]+)/.exec(rec?.userAgent ?? '')?.[1]
    const currentMajor = Number(this.catalog.current.safari.split('.')[0])
    const fixedSafari = recordVersion && Number(recordVersion.split('.')[0]) < currentMajor ? recordVersion : undefined
    return {
      ...(fixedSafari ? { fixedSafari } : {}),
      id,
      kind: 'phone',
      os: 'ios',
      uaOsToken: token,
      model: this.rng.pick(models),
      brand: 'Apple',
      screen: { w, h, dpr: w >= 428 || w === 402 || w === 393 || w === 390 ? 3 : 2 },
      platform: 'iPhone',
      cores: 6,
      // WebKit exposes no deviceMemory: the SDK reads nothing, so every iPhone reports the same.
      memoryGb: 0,
      gpu: 'Apple GPU',
      langs: owner.langs.slice(),
      tz: owner.tz,
      fpEntropy: this.entropy('phone'),
      osLagMs: this.osLag(),
      users: [],
      mobile: true,
    }
  }

  tablet(owner: DeviceOwner, os: 'android' | 'ipados'): Device {
    const id = this.nextId()
    if (os === 'ipados') {
      const spec = this.rng.weighted(IPADS.map((p) => [p, p.weight] as const))
      return {
        id,
        kind: 'tablet',
        os: 'ipados',
        // iPadOS Safari requests desktop sites: it sends the Mac UA by default.
        uaOsToken: 'Macintosh; Intel Mac OS X 10_15_7',
        model: spec.model,
        brand: 'Apple',
        screen: { w: spec.w, h: spec.h, dpr: 2 },
        platform: 'MacIntel',
        cores: 6,
        memoryGb: 0,
        gpu: 'Apple GPU',
        langs: owner.langs.slice(),
        tz: owner.tz,
        fpEntropy: this.entropy('tablet'),
        osLagMs: this.osLag(),
        users: [],
        mobile: true,
      }
    }
    const spec = this.rng.weighted(ANDROID_TABLETS.map((p) => [p, p.weight] as const))
    const androidVersion = this.rng.pick(spec.versions)
    return {
      id,
      kind: 'tablet',
      os: 'android',
      uaOsToken: 'Linux; Android 10; K',
      model: spec.model,
      brand: spec.brand,
      androidVersion,
      androidBuild: ANDROID_BUILDS[androidVersion] ?? 'UP1A.231005.007',
      screen: { w: spec.w, h: spec.h, dpr: spec.dpr },
      platform: 'Linux aarch64',
      cores: spec.cores,
      memoryGb: spec.mem,
      gpu: spec.gpu,
      langs: owner.langs.slice(),
      tz: owner.tz,
      fpEntropy: this.entropy('tablet'),
      osLagMs: this.osLag(),
      users: [],
      mobile: true,
    }
  }

  computer(owner: DeviceOwner, os: 'windows' | 'mac' | 'linux' | 'chromeos', kind: 'laptop' | 'desktop'): Device {
    const id = this.nextId()
    const rec = this.catalog.sample(this.rng, os, 'desktop', (r) => (kind === 'laptop' ? r.screenWidth <= 1920 : true) && r.screenWidth >= 1024)
      ?? this.catalog.sample(this.rng, os, 'desktop')
    const token = /^Mozilla\/5\.0 \(([^)]+)\)/.exec(rec?.userAgent ?? '')?.[1]
    const uaOsToken = os === 'windows' ? 'Windows NT 10.0; Win64; x64'
      : os === 'mac' ? 'Macintosh; Intel Mac OS X 10_15_7'
      : os === 'chromeos' ? (token && /CrOS/.test(token) ? token : 'X11; CrOS x86_64 14541.0.0')
      : 'X11; Linux x86_64'
    const cores = os === 'mac' ? this.rng.pick([8, 8, 10, 12]) : this.rng.pick([4, 8, 8, 12, 16])
    return {
      id,
      kind,
      os,
      uaOsToken,
      model: os === 'mac' ? 'Mac' : 'PC',
      brand: os === 'mac' ? 'Apple' : 'PC',
      screen: { w: rec?.screenWidth ?? 1920, h: rec?.screenHeight ?? 1080, dpr: os === 'mac' ? 2 : this.rng.pick([1, 1, 1.25, 1.5]) },
      platform: os === 'windows' ? 'Win32' : os === 'mac' ? 'MacIntel' : 'Linux x86_64',
      cores,
      // navigator.deviceMemory is capped at 8 (W3C Device Memory spec).
      memoryGb: this.rng.pick([4, 8, 8, 8]),
      gpu: this.rng.pick(DESKTOP_GPUS[os] ?? ['ANGLE']),
      langs: owner.langs.slice(),
      tz: owner.tz,
      fpEntropy: this.entropy(kind),
      osLagMs: this.osLag(),
      users: [],
      mobile: kind === 'laptop',
    }
  }

  /** The office image: every laptop of an office is a clone of this template. */
  managedTemplate(officeLangs: string[], tz: string, osWeights: { windows: number; mac: number }): Device {
    const os = this.rng.weighted([['windows', osWeights.windows], ['mac', osWeights.mac]] as const)
    const spec = this.rng.pick(MANAGED_LAPTOPS.filter((m) => m.os === os))
    return {
      id: 'template',
      kind: 'work-laptop',
      os,
      uaOsToken: os === 'windows' ? 'Windows NT 10.0; Win64; x64' : 'Macintosh; Intel Mac OS X 10_15_7',
      model: spec.model,
      brand: os === 'mac' ? 'Apple' : 'PC',
      screen: { w: spec.w, h: spec.h, dpr: spec.dpr },
      platform: os === 'windows' ? 'Win32' : 'MacIntel',
      cores: spec.cores,
      memoryGb: spec.mem,
      gpu: spec.gpu,
      langs: officeLangs.slice(),
      tz,
      fpEntropy: null,
      // IT pushes OS updates to the whole fleet at once.
      osLagMs: this.rng.between(3, 10) * 86_400_000,
      users: [],
      mobile: true,
    }
  }

  /**
   * A second unit of the same model, OS version and settings: the family that
   * bought two identical phones, the office that imaged 300 identical laptops.
   * Only the unique part of the fingerprint (if the new unit has one) differs.
   */
  clone(of: Device, owner: DeviceOwner | null, officeId?: string): Device {
    const kind = of.kind
    const id = this.nextId()
    return {
      ...of,
      id,
      // IT updates an office's fleet in lockstep; a family's phones update each on its own
      // (automatic updates install overnight when each phone charges, or wait for its owner):
      // their own lag, drawn from a stream of their own so no other draw moves.
      ...(officeId || of.id === 'template' ? {} : { osLagMs: this.osLag(this.rng.fork(`oslag/${id}`)) }),
      langs: owner && !officeId ? owner.langs.slice() : of.langs.slice(),
      tz: owner?.tz ?? of.tz,
      fpEntropy: this.entropy(kind),
      screen: { ...of.screen },
      users: [],
      twinOf: of.id === 'template' ? undefined : of.id,
      ...(officeId ? { officeId } : {}),
    }
  }
}
