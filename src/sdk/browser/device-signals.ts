/** One signal's value as it goes into a hash; null when the browser does not expose it. */
export type SignalValue = string | number | boolean | null

export type Components = Record<string, SignalValue>

/**
 * Signals of the machine and its OS that every browser on it reports alike, after Cao,
 * Li and Wijmans, "(Cross-)Browser Fingerprinting via OS and Hardware Level Features"
 * (NDSS 2017): screen size and colour depth, CPU core count, time zone, the OS, its
 * language, touch and pointer hardware. Left out on purpose, because they follow the
 * browser rather than the machine: the user agent, devicePixelRatio (it moves with the
 * zoom level), deviceMemory (Chromium only), the WebGL renderer string (Firefox reports a
 * sanitised one, Chromium ANGLE's), canvas and fonts (each engine renders and allows its
 * own), the full language list (each browser has its own setting), and the pointer and
 * hover media queries: an OS fact in principle, but Firefox and Chromium answer them
 * differently on one Linux machine (headless Firefox says "no pointer" where Chromium
 * says "fine"), so they go into the browser hash instead.
 */
export function deviceSignals(): Components {
  const s = window.screen
  const nav = navigator
  // Width and height sorted: a phone turned sideways is the same phone.
  const long = Math.max(s.width, s.height)
  const short = Math.min(s.width, s.height)
  return {
    screen: `${long}x${short}`,
    colorDepth: s.colorDepth,
    timezone: timeZone(),
    cores: typeof nav.hardwareConcurrency === 'number' ? nav.hardwareConcurrency : null,
    os: osFamily(),
    language: (nav.languages?.[0] ?? nav.language ?? '').split('-')[0]?.toLowerCase() || null,
    touchPoints: typeof nav.maxTouchPoints === 'number' ? nav.maxTouchPoints : null,
  }
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
