import { timeZone } from './device-signals.js'
import { deviceFingerprint, generateFingerprint, storedFingerprint, storeFingerprint } from './fingerprint.js'
import { optedOut } from './privacy.js'

/**
 * The bridge page's script (src/bridge, docs/bridge.md): the SDK click of a plain short-link
 * visit. It reads the SDK's signals for at most SIGNALS_MS, sends the click the way
 * `linkprint.follow` does (same origin, `Accept: application/json`, the SDK's headers) with
 * the page's one-time token, and replaces itself with the target, so Back skips it.
 *
 * Whatever fails, the visit ends on the page's own link (`/slug?bridge=<token>`): the
 * server records the plain click there unless this token's click is recorded already, so
 * there is one click per visit whichever request arrives first.
 */
const SIGNALS_MS = 150
/** The click's answer normally takes one round trip; past this the fallback link decides. */
const ANSWER_MS = 1_500

performance.mark('linkprint-bridge-start')
const anchor = document.getElementById('lp')
let left = false

function leave(url: string): void {
  if (left) return
  left = true
  performance.mark('linkprint-bridge-navigate')
  location.replace(url)
}

function run(a: HTMLAnchorElement): void {
  const click = a.href
  const target = a.dataset.target ?? ''
  // The server stores http(s) targets only; a page that says otherwise was not made by it.
  if (!/^https?:\/\//i.test(target)) return leave(click)
  // The device hash alone is ready in a few ms; the browser hash waits for canvas and WebGL,
  // which a cold browser on a slow machine may not finish in time: the device hash goes alone then.
  let device: Record<string, string> = {}
  if (!optedOut()) void deviceFingerprint().then((hash) => { device = { 'x-device-fingerprint': hash, ...zone() } }, () => undefined)
  const timeout = new Promise<Record<string, string>>((resolve) => setTimeout(() => resolve(device), SIGNALS_MS))
  const signals = sdkHeaders().catch(() => device)
  void Promise.race([signals, timeout])
    .then((headers) => {
      performance.mark('linkprint-bridge-signals')
      setTimeout(() => leave(click), ANSWER_MS)
      // keepalive: the request outlives the page if the visitor leaves while it is on its way.
      return fetch(click, { headers: { ...headers, accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store', redirect: 'manual', keepalive: true })
    })
    .then((res) => leave(res.ok ? target : click), () => leave(click))
}

/**
 * The SDK's click headers, as `Linkprint.fingerprintHeaders` makes them (the stored
 * fingerprint, else a new one, stored; nothing under GPC or DNT), from the SDK's own
 * functions: the class itself would double the page's weight.
 */
async function sdkHeaders(): Promise<Record<string, string>> {
  if (optedOut()) return {}
  let fp = storedFingerprint()
  if (!fp) storeFingerprint((fp = await generateFingerprint()))
  return { 'x-device-fingerprint': fp.device, 'x-browser-fingerprint': fp.browser, ...zone() }
}

function zone(): Record<string, string> {
  const name = timeZone()
  return name ? { 'x-timezone': name } : {}
}

try {
  if (anchor instanceof HTMLAnchorElement) run(anchor)
} catch {
  if (anchor instanceof HTMLAnchorElement) leave(anchor.href)
}
