/**
 * Whether the visitor has said no to tracking: Global Privacy Control (the browser sends
 * `Sec-GPC: 1` and exposes `navigator.globalPrivacyControl`) or Do Not Track. The server
 * treats such requests as strict already (docs/contracts.md, Privacy); the SDK goes further and
 * collects nothing, so no fingerprint is even computed.
 */
export function optedOut(): boolean {
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean; msDoNotTrack?: string }
  const win = window as Window & { doNotTrack?: string }
  if (nav.globalPrivacyControl === true) return true
  const dnt = nav.doNotTrack ?? win.doNotTrack ?? nav.msDoNotTrack
  return dnt === '1' || dnt === 'yes'
}
