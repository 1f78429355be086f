import type { RedirectMode } from './simulate.js'

/**
 * One column of the benchmark: how many clicks carry the SDK's signals. A number is the
 * share of human clicks on which the SDK ran on the customer's pages (direct mode; 0 is
 * plain redirects only); `bridge` is REDIRECT_MODE=bridge with no SDK elsewhere: every new
 * browser context's first click carries the signals, returning browsers click plain.
 */
export interface TrafficSetting {
  readonly sdkShare: number
  readonly redirectMode: RedirectMode
  /** As given on the command line and shown in tables: `0.8`, `0`, `bridge`. */
  readonly label: string
}

export function trafficSetting(text: string): TrafficSetting {
  if (text === 'bridge') return { sdkShare: 0, redirectMode: 'bridge', label: 'bridge' }
  const sdkShare = Number(text)
  if (text.trim() === '' || !(sdkShare >= 0 && sdkShare <= 1)) throw new Error(`a setting is an SDK share between 0 and 1, or bridge: ${text}`)
  return { sdkShare, redirectMode: 'direct', label: String(sdkShare) }
}

/** `--shares 0.8,0,bridge` */
export function trafficSettings(list: string): TrafficSetting[] {
  return list.split(',').map((s) => trafficSetting(s.trim()))
}
