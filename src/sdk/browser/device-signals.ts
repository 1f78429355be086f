import { deviceComponents, type Components } from './device-components.js'

export type { Components, SignalValue } from './device-components.js'

/**
 * Signals of the machine and its OS that every browser on it reports alike, in normal and
 * private windows, after Cao, Li and Wijmans, "(Cross-)Browser Fingerprinting via OS and
 * Hardware Level Features" (NDSS 2017): screen size and pixel ratio, CPU cores, time zone,
 * the OS, its language, touch. Folded as device-components.ts says.
 * What was measured and left out, and why (colour depth, fonts, the GPU, audio, canvas): docs/device-signals.md.
 * Measured: under 1 ms in headless Chromium and Firefox (bench/device-signals.ts).
 */
export function deviceSignals(): Components {
  const s = window.screen
  const nav = navigator
  return deviceComponents({
    screenWidth: s.width,
    screenHeight: s.height,
    devicePixelRatio: typeof window.devicePixelRatio === 'number' ? window.devicePixelRatio : null,
    timezone: timeZone(),
    hardwareConcurrency: typeof nav.hardwareConcurrency === 'number' ? nav.hardwareConcurrency : null,
    os: osFamily(),
    languages: nav.languages?.length ? nav.languages : [nav.language ?? ''],
    maxTouchPoints: typeof nav.maxTouchPoints === 'number' ? nav.maxTouchPoints : null,
  })
}

/** The IANA zone (`X-Timezone`), null where Intl cannot tell. */
export function timeZone(): string | null {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null
  } catch {
    return null
  }
}

/**
 * The OS family, the same in every browser: `navigator.platform` is frozen or reduced
 * differently per engine ("Linux x86_64", "Win32", "MacIntel"), so it is folded to a family.
 * iPadOS Safari and Chrome claim "MacIntel"; a Mac has no touch screen, an iPad has.
 */
export function osFamily(): string {
  const platform = (navigator.platform || '').toLowerCase()
  const ua = navigator.userAgent.toLowerCase()
  if (/iphone|ipad|ipod/.test(platform) || (platform === 'macintel' && navigator.maxTouchPoints > 1)) return 'ios'
  if (platform.startsWith('mac')) return 'macos'
  if (platform.startsWith('win')) return 'windows'
  if (ua.includes('android')) return 'android'
  if (ua.includes('cros')) return 'chromeos'
  if (platform.includes('linux') || ua.includes('linux')) return 'linux'
  return platform || 'unknown'
}
