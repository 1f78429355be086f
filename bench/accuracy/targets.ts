import type { Score } from './score.js'
import type { RedirectMode } from './simulate.js'

export interface TargetResult {
  name: string
  pass: boolean
  actual: string
}

/**
 * Issue #4's targets, on every profile:
 * - SDK share 0.8: device-count error ≤ 3 %, device F1 ≥ 0.95, browser F1 ≥ 0.95;
 * - plain redirects (share 0): device-count error ≤ 6 %, device F1 ≥ 0.90;
 * - bots: recall ≥ 0.95 at precision ≥ 0.99.
 * "Device-count error" is held to both readings — per-link MAPE and the
 * error of the total — since a dashboard shows both a link's count and a sum.
 */
export function targets(s: Score, sdkShare: number, redirectMode: RedirectMode = 'direct', trustTheHash?: Score): TargetResult[] {
  if (redirectMode === 'bridge') return bridgeTargets(s, trustTheHash)
  const withSdk = sdkShare >= 0.5
  const maxErr = withSdk ? 0.03 : 0.06
  const minDeviceF1 = withSdk ? 0.95 : 0.9
  const out: TargetResult[] = [
    { name: `count MAPE ≤ ${maxErr * 100}%`, pass: s.deviceCount.mape <= maxErr, actual: pct(s.deviceCount.mape) },
    { name: `|count total| ≤ ${maxErr * 100}%`, pass: Math.abs(s.deviceCount.total) <= maxErr, actual: pct(s.deviceCount.total) },
    { name: `device F1 ≥ ${minDeviceF1}`, pass: s.device.f1 >= minDeviceF1, actual: s.device.f1.toFixed(3) },
  ]
  if (withSdk) out.push({ name: 'browser F1 ≥ 0.95', pass: s.browser.f1 >= 0.95, actual: s.browser.f1.toFixed(3) })
  out.push({ name: 'bot recall ≥ 0.95 @ precision ≥ 0.99', pass: s.bot.recall >= 0.95 && s.bot.precision >= 0.99, actual: `${s.bot.recall.toFixed(3)} @ ${s.bot.precision.toFixed(3)}` })
  return out
}

/**
 * Issue #11's, with the bridge (every new browser context carries the signals): count MAPE
 * ≤ 4 %, device F1 ≥ 0.95, never worse than trusting the device hash (the sdk-hash+cookie
 * baseline, on MAPE and F1), bots as in direct mode.
 */
function bridgeTargets(s: Score, trustTheHash: Score | undefined): TargetResult[] {
  const out: TargetResult[] = [
    { name: 'count MAPE ≤ 4%', pass: s.deviceCount.mape <= 0.04, actual: pct(s.deviceCount.mape) },
    { name: 'device F1 ≥ 0.95', pass: s.device.f1 >= 0.95, actual: s.device.f1.toFixed(3) },
  ]
  if (trustTheHash) {
    out.push({ name: 'MAPE and F1 no worse than trusting the device hash', pass: s.deviceCount.mape <= trustTheHash.deviceCount.mape && s.device.f1 >= trustTheHash.device.f1, actual: `${pct(s.deviceCount.mape)} / ${s.device.f1.toFixed(3)} against ${pct(trustTheHash.deviceCount.mape)} / ${trustTheHash.device.f1.toFixed(3)}` })
  }
  out.push({ name: 'bot recall ≥ 0.95 @ precision ≥ 0.99', pass: s.bot.recall >= 0.95 && s.bot.precision >= 0.99, actual: `${s.bot.recall.toFixed(3)} @ ${s.bot.precision.toFixed(3)}` })
  return out
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`
}
