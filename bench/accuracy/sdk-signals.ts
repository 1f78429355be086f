import { createHash } from 'node:crypto'
import { canonicalComponents, deviceComponents, type Components, type DeviceReadings } from '../../src/sdk/browser/device-components.js'
import { SDK_HASH_VERSION, versionedHash } from '../../src/sdk/sdk-hash-format.js'
import type { BrowserInstall } from './browsers.js'
import { isChromium } from './browsers.js'
import type { Device } from './devices.js'
import type { ReleaseTrain } from './release-train.js'

/**
 * The seed's SDK (seed 000) "generates a fingerprint once, keeps it in
 * localStorage"; linkprint's SDK (src/sdk/browser/fingerprint.ts) makes it
 * again when the stored one was made by another user agent (an updated
 * browser renders differently). So a value is sent until the storage is
 * cleared or the browser updates: a trip abroad does not change it, but a
 * cleared or purged storage, every private window and every browser (or
 * app) update computes it afresh from the signals of that moment.
 */
export const SDK_CACHES_IN_LOCAL_STORAGE = true

/**
 * Safari 26 extends Advanced Fingerprinting Protection (noise on canvas,
 * WebGL, audio readouts) from private browsing to all browsing (WebKit,
 * WWDC 2025): browser-level signals then differ from one computation to the
 * next; device-level ones (screen, cores, time zone, languages) do not.
 */
export const SAFARI_NORMAL_NOISE_FROM_MAJOR = 26

/**
 * Share of Windows laptops with a touch screen (navigator.maxTouchPoints 10
 * instead of 0): an assumption; touch laptops are a minority of the installed base.
 */
export const TOUCH_LAPTOP_SHARE = 0.2

export interface SdkContext {
  /** Storage context: the jar name (a cleared jar is a cleared localStorage). */
  storageKey: string
  private: boolean
  /** The time zone the device shows now (travel changes it). */
  tz: string
  /** The user agent the request carries: the SDK's stored fingerprint is tied to it. */
  userAgent: string
}

/**
 * What linkprint's browser SDK sends (X-Device-Fingerprint,
 * X-Browser-Fingerprint, X-Timezone), hashed by the SDK's own code from what
 * each browser reports of the simulated device:
 * - the device hash is src/sdk/browser/device-components.ts itself
 *   (`deviceComponents`, `canonicalComponents`, version 2): the readings below
 *   go in, and the value is byte for byte what the SDK would send. The
 *   readings are the device's screen (CSS px) and pixel ratio, its cores and
 *   languages from devices.ts (its screens from real browser records of the
 *   `user-agents` data set, its phones from vendor tables), the time zone it
 *   shows, and touch. Each browser reports them as its documented protections
 *   make it (docs/device-signals.md): Firefox's fingerprinting protection
 *   (private windows) tiers the core count to 4 or 8, Brave reports a core
 *   count between 2 and the true one per session (brave-browser#10808);
 *   installs that read some signal otherwise (a browser's own language
 *   setting, a global zoom, resistFingerprinting) are `deviceSignalsStable`
 *   false. The components name a kind of device, not a unit: every iPhone of
 *   one screen size in one country hashes alike;
 * - the browser hash is src/sdk/browser/browser-signals.ts on top of those:
 *   the user agent (so it changes with every update), the language list,
 *   plugins and a canvas drawing (no WebGL since version 2). The canvas
 *   readout is where a device's uniqueness shows (fonts, GPU and driver:
 *   `fpEntropy`, with Gómez-Boix et al.'s rates for full fingerprints, see
 *   UNIQUE_SHARE); without it two units of one model, OS version and
 *   settings hash alike. Firefox and Safari private windows randomise canvas
 *   per session (Firefox's fingerprinting protection, Safari 17+ Advanced
 *   Fingerprinting Protection), Safari 26+ everywhere, Brave always; Chrome
 *   incognito draws exactly as the normal window does (only extensions are off).
 */
export class SdkSignals {
  private readonly cache = new Map<string, { device: string; browser: string }>()

  constructor(private readonly releases: ReleaseTrain) {}

  headers(install: BrowserInstall, device: Device, t: number, ctx: SdkContext): Record<string, string> {
    const key = `${install.id}|${ctx.storageKey}|${ctx.userAgent}`
    let fp = SDK_CACHES_IN_LOCAL_STORAGE ? this.cache.get(key) : undefined
    if (!fp) {
      fp = this.compute(install, device, t, ctx)
      if (SDK_CACHES_IN_LOCAL_STORAGE) this.cache.set(key, fp)
    }
    return {
      'x-device-fingerprint': fp.device,
      'x-browser-fingerprint': fp.browser,
      // Intl.DateTimeFormat().resolvedOptions().timeZone: read live, not cached.
      'x-timezone': ctx.tz,
    }
  }

  /** What this install's SDK reads of the device, before device-components.ts folds it. */
  private readings(install: BrowserInstall, device: Device, t: number, ctx: SdkContext): DeviceReadings {
    const phoneLike = device.kind === 'phone' || device.kind === 'tablet'
    const touch = phoneLike ? 5 : device.os === 'windows' && device.kind !== 'desktop' && unit(device.id, 'touch') < TOUCH_LAPTOP_SHARE ? 10 : 0
    let cores = device.cores
    // Firefox's fingerprinting protection, on in its private windows: 8 for 8 or more cores, else 4.
    if (install.family === 'firefox' && ctx.private) cores = cores >= 8 ? 8 : 4
    // Brave: a value between 2 and the true one, drawn per session (a day of one storage context here).
    if (install.family === 'brave') cores = 2 + Math.floor(unit(`${ctx.storageKey}|${Math.floor(t / 86_400_000)}`, 'farble') * (cores - 1))
    return {
      screenWidth: device.screen.w,
      screenHeight: device.screen.h,
      devicePixelRatio: device.screen.dpr,
      timezone: ctx.tz,
      hardwareConcurrency: cores,
      os: device.os === 'ios' || device.os === 'ipados' ? 'ios' : device.os === 'mac' ? 'macos' : device.os,
      languages: device.langs,
      maxTouchPoints: touch,
    }
  }

  private compute(install: BrowserInstall, device: Device, t: number, ctx: SdkContext): { device: string; browser: string } {
    const phoneLike = device.kind === 'phone' || device.kind === 'tablet'
    const components: Components = { ...deviceComponents(this.readings(install, device, t, ctx)) }
    // Installs that read some device signal differently (a browser's own language setting, zoom, resistFingerprinting).
    if (!install.deviceSignalsStable) components.readOtherwise = `${install.family}:${install.id}`
    const deviceHash = sdkHash('device', components)

    const chromium = isChromium(install.family)
    const engine = install.webkit ? 'webkit' : chromium ? 'blink' : 'gecko'
    const major = install.family === 'safari' || install.family === 'sfsvc' || install.family === 'wkwebview' || install.family === 'crios' || install.family === 'fxios'
      ? this.releases.appleVersion(device, t).split('.')[0]
      : ''
    const browserSignals: Array<string | number> = [
      deviceHash,
      ctx.userAgent,
      device.langs.join(','),
      // PDF viewer plugins: desktop Chromium and Firefox list them, mobile browsers none.
      phoneLike ? '' : chromium ? 'pdf:chromium' : engine === 'gecko' ? 'pdf:firefox' : 'pdf:webkit',
      // The canvas drawing: engine, OS rendering, GPU and driver, fonts — the device's own entropy.
      `canvas:${engine}:${device.os}:${device.gpu}:${device.fpEntropy ?? ''}`,
      phoneLike ? 'coarse' : 'fine',
    ]
    if (install.extEntropy && !(ctx.private && chromium)) browserSignals.push(install.extEntropy)
    const randomised =
      (ctx.private && (install.family === 'firefox' || install.webkit)) ||
      install.family === 'brave' ||
      ((install.family === 'safari' || install.family === 'sfsvc') && Number(major) >= SAFARI_NORMAL_NOISE_FROM_MAJOR)
    if (randomised) browserSignals.push(`noise:${ctx.storageKey}:${t}`)
    return { device: deviceHash, browser: sdkHash('browser', { signals: browserSignals.join('|') }) }
  }
}

/** The value the SDK sends for these components: its canonical text, SHA-256, base64url, with the version (sdk-hash-format.ts). */
function sdkHash(kind: 'device' | 'browser', components: Components): string {
  return versionedHash(SDK_HASH_VERSION, createHash('sha256').update(canonicalComponents(kind, SDK_HASH_VERSION, components)).digest('base64url'))
}

/** A uniform number in [0, 1) from a device id: a fixed property of the unit that draws nothing from the simulator's streams. */
function unit(id: string, salt: string): number {
  return createHash('sha256').update(`${salt}|${id}`).digest().readUInt32BE(0) / 2 ** 32
}
