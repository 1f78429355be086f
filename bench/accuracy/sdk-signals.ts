import { createHash } from 'node:crypto'
import type { BrowserInstall } from './browsers.js'
import { isChromium } from './browsers.js'
import type { Device } from './devices.js'
import type { ReleaseTrain } from './release-train.js'

/**
 * The seed's SDK (seed 000) "generates a fingerprint once, keeps it in
 * localStorage": a value, once computed in a storage context, is sent until
 * that storage is cleared — so an OS update or a trip abroad does not change
 * it, but a cleared or purged storage (and every private window) computes it
 * afresh from the signals of that moment.
 */
export const SDK_CACHES_IN_LOCAL_STORAGE = true

/**
 * Safari 26 extends Advanced Fingerprinting Protection (noise on canvas,
 * WebGL, audio readouts) from private browsing to all browsing (WebKit,
 * WWDC 2025): browser-level signals then differ from one computation to the
 * next; device-level ones (screen, cores, time zone, languages) do not.
 */
export const SAFARI_NORMAL_NOISE_FROM_MAJOR = 26

export interface SdkContext {
  /** Storage context: the jar name (a cleared jar is a cleared localStorage). */
  storageKey: string
  private: boolean
  /** The time zone the device shows now (travel changes it). */
  tz: string
}

/**
 * What the browser SDK would send (X-Device-Fingerprint,
 * X-Browser-Fingerprint, X-Timezone), computed from the device's and the
 * install's signals as the literature says they behave:
 * - device-level signals are the same in every browser of the device for
 *   DEVICE_SIGNAL_STABILITY of installs, and identical between two devices of
 *   the same model, OS version and settings unless the device has unique
 *   entropy (see UNIQUE_SHARE): identical phones give identical hashes;
 * - browser-level signals add the engine, its major version and extensions;
 *   Firefox and Safari private windows randomise them per session
 *   (Firefox 119+ canvas randomisation under fingerprinting protection,
 *   Safari 17+ Advanced Fingerprinting Protection); Chrome incognito only
 *   drops extensions; Brave farbles both levels per session.
 */
export class SdkSignals {
  private readonly cache = new Map<string, { device: string; browser: string }>()

  constructor(private readonly releases: ReleaseTrain) {}

  headers(install: BrowserInstall, device: Device, t: number, ctx: SdkContext): Record<string, string> {
    const key = `${install.id}|${ctx.storageKey}`
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

  private osVersion(device: Device, t: number): string {
    switch (device.os) {
      case 'ios':
      case 'ipados':
      case 'mac':
        return this.releases.appleVersion(device, t).split('.').slice(0, 2).join('.')
      case 'android':
        return device.androidVersion ?? '14'
      default:
        return device.uaOsToken
    }
  }

  private compute(install: BrowserInstall, device: Device, t: number, ctx: SdkContext): { device: string; browser: string } {
    const deviceSignals = [
      device.os,
      this.osVersion(device, t),
      device.platform,
      `${device.screen.w}x${device.screen.h}@${device.screen.dpr}`,
      device.cores,
      device.memoryGb,
      device.gpu,
      device.langs.join(','),
      ctx.tz,
      device.fpEntropy ?? '',
    ]
    // Installs that read some device signal differently (masked GPU, rounded screen, font lists).
    if (!install.deviceSignalsStable) deviceSignals.push(`variant:${install.family}:${install.id}`)
    // Brave farbles hardwareConcurrency and more with a per-session seed.
    if (install.family === 'brave') deviceSignals.push(`farble:${ctx.storageKey}:${Math.floor(t / 86_400_000)}`)
    const deviceHash = sha(deviceSignals.join('|'))

    const major = install.family === 'safari' || install.family === 'sfsvc' || install.family === 'wkwebview' || install.family === 'crios' || install.family === 'fxios'
      ? this.releases.appleVersion(device, t).split('.')[0]
      : install.family === 'firefox'
        ? String(this.releases.index('firefox', t, install.updateLagMs))
        : String(this.releases.chromeMajor(t, install.updateLagMs))
    const browserSignals = [deviceHash, install.family, isChromium(install.family) ? 'blink' : install.family === 'firefox' ? 'gecko' : 'webkit', major]
    if (install.extEntropy && !(ctx.private && isChromium(install.family))) browserSignals.push(install.extEntropy)
    const randomised =
      (ctx.private && (install.family === 'firefox' || install.webkit)) ||
      install.family === 'brave' ||
      ((install.family === 'safari' || install.family === 'sfsvc') && Number(major) >= SAFARI_NORMAL_NOISE_FROM_MAJOR)
    if (randomised) browserSignals.push(`noise:${ctx.storageKey}:${t}`)
    return { device: deviceHash, browser: sha(browserSignals.join('|')) }
  }
}

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 32)
}
