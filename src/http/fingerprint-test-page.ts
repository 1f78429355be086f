import { html, raw } from 'hono/html'
import type { PrivacyMode } from '../config/config.js'
import { pageCsp } from './page-security.js'

export const TEST_PAGE_PATH = '/dashboard/test-enhanced-fingerprint'
export const TEST_PAGE_SCRIPT_PATH = '/dashboard/test-enhanced-fingerprint.js'

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:60rem;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:1.75rem 0 .5rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}h3{font-size:1rem;margin:1rem 0 .3rem}
table{border-collapse:collapse;width:100%;margin:.25rem 0 .75rem}th,td{text-align:left;padding:.2rem .45rem;border-bottom:1px solid #eee;vertical-align:top}
th{font-weight:600;width:16rem}code{font:12px ui-monospace,monospace;word-break:break-all}.muted{color:#6e6e73}
button{padding:.3rem .8rem}input{padding:.3rem;width:20rem;max-width:100%}.note{background:#f6f6f7;padding:.5rem .75rem;border-radius:4px}`

export const TEST_PAGE_CSP = pageCsp(STYLE, { images: true })

export interface TestPageData {
  /** Versioned URLs of the SDK and of the page's script. */
  readonly sdkSrc: string
  readonly scriptSrc: string
  readonly privacyMode: PrivacyMode
  /** The short link to prefill (`?link=`), already checked to be a slug. */
  readonly link: string | null
}

/**
 * Seed 004's test page: this browser's device and browser fingerprints with their
 * components, what the server made of this browser, and a test link to follow through the
 * SDK. The server renders the frame (hono's `html` escapes every value); the page's script (src/sdk/browser/test-page.ts)
 * fills it in. The SDK asks for consent here as a site that wants consent would: nothing
 * is computed before "Start the test".
 */
export function testPage(d: TestPageData): string {
  const modeNote = d.privacyMode === 'full'
    ? html`This server runs with <code>PRIVACY_MODE=full</code>: the SDK’s hashes count when a link is followed through the SDK.`
    : html`This server runs with <code>PRIVACY_MODE=${d.privacyMode}</code>: the SDK’s hashes are refused on clicks; the engine uses the cookie and network evidence only. Set <code>PRIVACY_MODE=full</code> to test the SDK.`
  const body = html`<main data-privacy-mode="${d.privacyMode}">
<h1>Enhanced fingerprint test</h1>
<p class="muted">How linkprint recognises this device across browsers and private windows.</p>
<p class="note">${modeNote}</p>
<p id="privacy-state">Loading the SDK…</p>
<p><button type="button" id="consent" hidden>Start the test</button></p>
<h2>This browser’s fingerprints</h2>
<table>
<tr><th>Device fingerprint</th><td><code id="device-hash">–</code></td></tr>
<tr><th>Browser fingerprint</th><td><code id="browser-hash">–</code></td></tr>
<tr><th>Stored</th><td id="stored">–</td></tr>
</table>
<p><button type="button" id="regenerate">Generate again</button></p>
<h3>Device components (the same in every browser of this device)</h3>
<table id="device-components"></table>
<h3>Browser components (this browser only)</h3>
<table id="browser-components"></table>
<h2>What the server resolved for this browser</h2>
<p id="server-state" class="muted">–</p>
<table id="server"></table>
<p><button type="button" id="refresh-server">Ask again</button></p>
<h2>Follow a test link through the SDK</h2>
<form id="follow-form" autocomplete="off"><label>Short link (slug or URL) <input id="link" maxlength="2048" value="${d.link ?? ''}" placeholder="e.g. my-test-link"></label> <button type="submit" id="follow">Follow through the SDK</button></form>
${d.link ? html`<p>Or a plain link the SDK intercepts (<code>data-linkprint</code>): <a id="follow-link" data-linkprint href="/${d.link}">/${d.link}</a></p>` : ''}
<p class="muted">The click is recorded exactly as a redirect would be, with this browser’s fingerprints; then this tab goes to the link’s target. Come back to see what the server made of it.</p>
<h2>How to test</h2>
<ol>
<li>Follow the test link here, then open this page in another browser on the same device and follow it again: the device fingerprint and the device cluster id should be the same, the browser fingerprint and browser id different; the link’s stats count one device.</li>
<li>Do the same in a private (incognito) window: a new cookie jar, the same device.</li>
<li>Do the same on a phone or a tablet: another device fingerprint, another device.</li>
</ol>
</main>`
  return String(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>Enhanced fingerprint test · linkprint</title><style>${raw(STYLE)}</style><script src="${d.sdkSrc}" data-consent="required" data-intercept defer></script><script src="${d.scriptSrc}" defer></script></head><body>${body}</body></html>`)
}
