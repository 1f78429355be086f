/** One signal's value as it goes into a hash; null when the browser does not expose it. */
export type SignalValue = string | number | boolean | null

export type Components = Record<string, SignalValue>

/** What device-signals.ts reads from the browser, before it is folded to values every browser of the device reports alike. */
export interface DeviceReadings {
  readonly screenWidth: number
  readonly screenHeight: number
  readonly devicePixelRatio: number | null
  readonly timezone: string | null
  readonly hardwareConcurrency: number | null
  readonly os: string
  /** navigator.languages, or [navigator.language]. */
  readonly languages: readonly string[]
  readonly maxTouchPoints: number | null
}

/**
 * The device hash's components, version 2 (measured in docs/device-signals.md): each value
 * folded to what Chromium and Firefox, in normal and private windows, report alike on one
 * device. Pure, so that the accuracy bench hashes simulated devices with this very code.
 */
export function deviceComponents(r: DeviceReadings): Components {
  return {
    // Sorted: a phone turned sideways is the same phone.
    screen: `${Math.max(r.screenWidth, r.screenHeight)}x${Math.min(r.screenWidth, r.screenHeight)}`,
    // Two decimals: 2.625 stays, a float's noise (1.2500000596) does not.
    dpr: typeof r.devicePixelRatio === 'number' && r.devicePixelRatio > 0 ? Math.round(r.devicePixelRatio * 100) / 100 : null,
    timezone: r.timezone,
    // Firefox's fingerprinting protection (private windows, ETP strict) reports 8 for 8 or more cores, else 4.
    cores: typeof r.hardwareConcurrency === 'number' && r.hardwareConcurrency > 0 ? (r.hardwareConcurrency >= 8 ? 8 : 4) : null,
    os: r.os,
    language: (r.languages[0] ?? '').split('-')[0]?.toLowerCase() || null,
    // Whether, not how many: Firefox's protection collapses the touch point count.
    touch: typeof r.maxTouchPoints === 'number' ? r.maxTouchPoints > 0 : null,
  }
}

/**
 * A stable text of the components: keys sorted, values JSON-encoded, prefixed with the
 * kind and version, so that reordering code never changes a hash and the two kinds never collide.
 */
export function canonicalComponents(kind: 'device' | 'browser', version: number, components: Components): string {
  const keys = Object.keys(components).sort()
  return `linkprint:${kind}:v${version}|` + keys.map((k) => `${k}=${JSON.stringify(components[k])}`).join('|')
}
