import { Linkprint } from './linkprint-sdk.js'

declare global {
  interface Window {
    linkprint?: Linkprint
  }
}

/**
 * `<script src="https://links.example/sdk/linkprint.js" data-consent="required" data-intercept defer>`:
 * options come from the tag's attributes, which a strict CSP allows where an inline
 * configuration script would be refused. The server is the origin the script came from.
 */
function start(): void {
  if (window.linkprint) return
  const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : null
  const server = script?.src ? new URL(script.src, location.href).origin : location.origin
  window.linkprint = new Linkprint({
    server,
    consent: script?.dataset.consent === 'required' ? 'required' : 'not_required',
    intercept: script?.dataset.intercept !== undefined,
  })
}

start()
