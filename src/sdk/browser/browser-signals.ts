import type { Components } from './device-signals.js'
import { sha256Base64url } from './sha256.js'

/**
 * Signals of this browser install: what differs between Chrome and Firefox on one machine
 * and stays put across its private windows (seed 004's browser fingerprint). Canvas and
 * WebGL output depend on the engine's renderer and the GPU driver it talks to; the user
 * agent and plugin list on the browser and its version. Nothing that exists only in
 * secure contexts (Chromium's `navigator.deviceMemory`): one browser must hash alike on
 * https and on plain http in a LAN.
 */
export async function browserSignals(): Promise<Components> {
  const nav = navigator
  const gl = webgl()
  return {
    userAgent: nav.userAgent,
    vendor: nav.vendor ?? null,
    languages: (nav.languages ?? [nav.language]).join(','),
    devicePixelRatio: window.devicePixelRatio ?? null,
    plugins: Array.from(nav.plugins ?? [], (p) => p.name).join(','),
    pdfViewer: typeof nav.pdfViewerEnabled === 'boolean' ? nav.pdfViewerEnabled : null,
    canvas: await canvasHash(),
    webglVendor: gl.vendor,
    webglRenderer: gl.renderer,
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
async function canvasHash(): Promise<string | null> {
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

function webgl(): { vendor: string | null; renderer: string | null } {
  try {
    const canvas = document.createElement('canvas')
    const gl = (canvas.getContext('webgl') ?? canvas.getContext('experimental-webgl')) as WebGLRenderingContext | null
    if (!gl) return { vendor: null, renderer: null }
    const info = gl.getExtension('WEBGL_debug_renderer_info')
    const vendor = info ? gl.getParameter(info.UNMASKED_VENDOR_WEBGL) : gl.getParameter(gl.VENDOR)
    const renderer = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)
    return { vendor: typeof vendor === 'string' ? vendor : null, renderer: typeof renderer === 'string' ? renderer : null }
  } catch {
    return { vendor: null, renderer: null }
  }
}
