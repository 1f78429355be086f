import type { Components } from './device-components.js'
import { sha256Base64url } from './sha256.js'

/**
 * Signals of this browser install: what differs between Chrome and Firefox on one machine
 * (seed 004's browser fingerprint). Chromium's incognito window draws as its normal one;
 * Firefox randomises canvas readouts per session, so each of its private windows (and,
 * measured here, each launch of a fresh profile) hashes anew: docs/device-signals.md.
 * The canvas depends on the engine's renderer and the GPU driver; the user agent and
 * plugin list on the browser and its version. No WebGL since version 2: its context alone
 * blocked the page 10–300 ms in headless Chromium here, past the bridge's budget, and the
 * canvas already carries the GPU's rendering. Nothing that exists only in secure contexts
 * (Chromium's `navigator.deviceMemory`): one browser must hash alike on https and on
 * plain http in a LAN.
 */
export async function browserSignals(): Promise<Components> {
  const nav = navigator
  return {
    userAgent: nav.userAgent,
    vendor: nav.vendor ?? null,
    languages: (nav.languages ?? [nav.language]).join(','),
    plugins: Array.from(nav.plugins ?? [], (p) => p.name).join(','),
    pdfViewer: typeof nav.pdfViewerEnabled === 'boolean' ? nav.pdfViewerEnabled : null,
    canvas: await canvasHash(),
    pointer: media('(pointer: coarse)') ? 'coarse' : media('(pointer: fine)') ? 'fine' : 'none',
    hover: media('(any-hover: hover)'),
  }
}

function media(query: string): boolean {
  try {
    return window.matchMedia(query).matches
  } catch {
    return false
  }
}

/** A digest of a drawing: text with a fallback font, an emoji and blended shapes, as the engine rasterises them. */
export async function canvasHash(): Promise<string | null> {
  try {
    const canvas = document.createElement('canvas')
    canvas.width = 240
    canvas.height = 60
    const ctx = canvas.getContext('2d')
    if (!ctx) return null
    ctx.textBaseline = 'top'
    ctx.font = '16px "Times New Roman", serif'
    ctx.fillStyle = '#f60'
    ctx.fillRect(100, 1, 62, 20)
    ctx.fillStyle = '#069'
    ctx.fillText('linkprint \u{1F310} Cwm fjordbank', 2, 15)
    ctx.fillStyle = 'rgba(102, 204, 0, 0.7)'
    ctx.globalCompositeOperation = 'multiply'
    ctx.beginPath()
    ctx.arc(50, 30, 20, 0, Math.PI * 2)
    ctx.fill()
    return await sha256Base64url(canvas.toDataURL())
  } catch {
    return null
  }
}
