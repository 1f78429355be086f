import UserAgent from 'user-agents'
import type { UserAgentData } from 'user-agents'
import type { Prng } from './prng.js'

/** Operating-system families the simulator models. */
export type OsFamily = 'windows' | 'mac' | 'linux' | 'chromeos' | 'android' | 'ios' | 'ipados'
export type DeviceCategory = 'desktop' | 'mobile' | 'tablet'

export interface UaRecord {
  userAgent: string
  platform: string
  category: DeviceCategory
  os: OsFamily
  screenWidth: number
  screenHeight: number
  viewportWidth: number
  viewportHeight: number
  weight: number
}

/** Versions current at the start of the simulated window, read from the data set. */
export interface CurrentVersions {
  chrome: number
  firefox: number
  /** e.g. "26.6.1" */
  safari: string
  samsung: number
  samsungChromium: number
  opera: number
}

/**
 * The real user-agent strings and screen data of the `user-agents` package
 * (Intoli, BSD-2-Clause), which publishes a weighted sample of real browser
 * sessions, refreshed daily. The simulator samples devices from it (screens,
 * OS tokens, which browser an OS runs) so that the headers an engine sees are
 * the ones real browsers send — including the frozen, reduced UAs that make
 * two Windows laptops or two Android phones indistinguishable by UA.
 *
 * The package's own random() uses Math.random; we read the whole weighted
 * table once through its public `top()` and draw with our seeded PRNG instead.
 */
export class UaCatalog {
  private static instance: UaCatalog | undefined
  readonly records: readonly UaRecord[]
  readonly current: CurrentVersions
  private readonly byKey = new Map<string, UaRecord[]>()

  private constructor(raw: readonly UserAgentData[]) {
    const records: UaRecord[] = []
    for (const r of raw) {
      const category = (r as UserAgentData & { deviceCategory?: string }).deviceCategory
      if (category !== 'desktop' && category !== 'mobile' && category !== 'tablet') continue
      const os = osFamilyOf(r.userAgent, r.platform, category)
      if (!os) continue
      records.push({
        userAgent: r.userAgent,
        platform: r.platform,
        category,
        os,
        screenWidth: r.screenWidth,
        screenHeight: r.screenHeight,
        viewportWidth: (r as UserAgentData & { viewportWidth?: number }).viewportWidth ?? r.screenWidth,
        viewportHeight: (r as UserAgentData & { viewportHeight?: number }).viewportHeight ?? r.screenHeight,
        weight: r.weight,
      })
    }
    // Sort so that the table order never depends on the package's internal order of ties.
    records.sort((a, b) => b.weight - a.weight || (a.userAgent < b.userAgent ? -1 : a.userAgent > b.userAgent ? 1 : 0) || a.screenWidth - b.screenWidth || a.screenHeight - b.screenHeight)
    this.records = records
    for (const r of records) {
      const key = `${r.os}|${r.category}`
      let list = this.byKey.get(key)
      if (!list) this.byKey.set(key, (list = []))
      list.push(r)
    }
    this.current = currentVersionsOf(records)
  }

  static load(): UaCatalog {
    if (!UaCatalog.instance) UaCatalog.instance = new UaCatalog(UserAgent.top(1_000_000))
    return UaCatalog.instance
  }

  /** Weighted draw of a real record of this OS and category, optionally filtered. */
  sample(rng: Prng, os: OsFamily, category: DeviceCategory, filter?: (r: UaRecord) => boolean): UaRecord | undefined {
    const list = (this.byKey.get(`${os}|${category}`) ?? []).filter((r) => !filter || filter(r))
    if (list.length === 0) return undefined
    return rng.weighted(list.map((r) => [r, r.weight] as const))
  }
}

function osFamilyOf(ua: string, platform: string, category: DeviceCategory): OsFamily | undefined {
  if (/CrOS/.test(ua)) return 'chromeos'
  if (/iPad/.test(platform)) return 'ipados'
  if (/iPhone/.test(platform) || /iPhone OS/.test(ua)) return category === 'tablet' ? 'ipados' : 'ios'
  if (/Android/.test(ua)) return 'android'
  if (platform === 'Win32' || /Windows NT/.test(ua)) return 'windows'
  if (platform === 'MacIntel' || /Macintosh/.test(ua)) return 'mac'
  if (/Linux/.test(platform) || /X11/.test(ua)) return 'linux'
  return undefined
}

/**
 * "Current" = the newest version that already carries a real share of the
 * traffic (≥ 2 % of its browser's weight), not the newest string seen once:
 * a rollout reaches most users a week or two after release.
 */
function currentVersionsOf(records: readonly UaRecord[]): CurrentVersions {
  const newestWithShare = (re: RegExp, exclude?: RegExp, share = 0.02): string | undefined => {
    const w = new Map<string, number>()
    let total = 0
    for (const r of records) {
      if (exclude?.test(r.userAgent)) continue
      const m = re.exec(r.userAgent)
      if (!m?.[1]) continue
      w.set(m[1], (w.get(m[1]) ?? 0) + r.weight)
      total += r.weight
    }
    const ok = [...w.entries()].filter(([, v]) => v >= total * share).map(([k]) => k)
    ok.sort((a, b) => compareVersions(b, a))
    return ok[0]
  }
  const chrome = Number(newestWithShare(/Chrome\/(\d+)\./, /Edg|OPR|SamsungBrowser|YaBrowser|; wv\)/) ?? 140)
  const firefox = Number(newestWithShare(/Firefox\/(\d+)\./) ?? 140)
  // Safari ships with the OS and betas show up in the data: ask for a larger share.
  const safari = newestWithShare(/Version\/([\d.]+) Mobile\/\w+ Safari\/604/, undefined, 0.2) ?? '18.6'
  const samsung = Number(newestWithShare(/SamsungBrowser\/(\d+)\./) ?? 28)
  const samsungChromium = Math.max(chrome - 11, 120)
  const opera = Number(newestWithShare(/OPR\/(\d+)\./) ?? chrome - 16)
  return { chrome, firefox, safari, samsung, samsungChromium, opera }
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}
