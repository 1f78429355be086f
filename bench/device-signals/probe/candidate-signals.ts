import { canvasHash } from '../../../src/sdk/browser/browser-signals.js'
import { deviceSignals, osFamily, timeZone, type SignalValue } from '../../../src/sdk/browser/device-signals.js'
import { generateFingerprint } from '../../../src/sdk/browser/fingerprint.js'
import { installedFonts } from './font-signals.js'
import { sha256Base64url } from '../../../src/sdk/browser/sha256.js'
import { gpuMaker } from './gpu-maker.js'
import { webglInfo } from './webgl-info.js'

/**
 * The candidate signals of bench/device-signals.ts, each read on its own and timed: what the
 * SDK reads (through its own functions) and the published cross-browser features it does not.
 */
type Probe = () => SignalValue | Promise<SignalValue>

const nav = navigator as Navigator & {
  deviceMemory?: number
  userAgentData?: { platform: string; mobile: boolean; getHighEntropyValues(hints: string[]): Promise<Record<string, unknown>> }
}

const media = (q: string) => window.matchMedia(q).matches
const screenSize = () => `${Math.max(screen.width, screen.height)}x${Math.min(screen.width, screen.height)}`

export const CANDIDATES: Record<string, Probe> = {
  // What the SDK's device hash reads (device-signals.ts), as the browser reports it…
  screen: screenSize,
  devicePixelRatio: () => window.devicePixelRatio,
  colorDepth: () => screen.colorDepth,
  timezone: () => timeZone(),
  cores: () => nav.hardwareConcurrency ?? null,
  os: () => osFamily(),
  language: () => (nav.languages?.[0] ?? nav.language ?? '').split('-')[0] || null,
  touchPoints: () => nav.maxTouchPoints ?? null,
  // …and the two values device-components.ts folds.
  'cores, tiered': () => deviceSignals().cores ?? null,
  'touch, yes/no': () => deviceSignals().touch ?? null,
  // Candidates for the device hash, measured and left out.
  fonts: () => installedFonts(),
  gpuMaker: () => gpuMaker(webglInfo().renderer),
  // Read by the SDK's browser hash (browser-signals.ts).
  userAgent: () => nav.userAgent,
  vendor: () => nav.vendor ?? null,
  languages: () => (nav.languages ?? [nav.language]).join(','),
  plugins: () => Array.from(nav.plugins ?? [], (p) => p.name).join(','),
  pdfViewer: () => nav.pdfViewerEnabled ?? null,
  canvas: () => canvasHash(),
  webglRenderer: () => webglInfo().renderer,
  webglVendor: () => webglInfo().vendor,
  pointer: () => (media('(pointer: coarse)') ? 'coarse' : media('(pointer: fine)') ? 'fine' : 'none'),
  hover: () => media('(any-hover: hover)'),
  // Published features the SDK does not read.
  availScreen: () => `${screen.availWidth}x${screen.availHeight}`,
  fontMetrics: () => sha256Base64url(fontWidths()),
  webglParameters: () => webglParameters(),
  audio: () => audio(),
  deviceMemory: () => nav.deviceMemory ?? null,
  platform: () => nav.platform,
  uaChPlatform: () => nav.userAgentData?.platform ?? null,
  uaChModel: async () => {
    const hints = await nav.userAgentData?.getHighEntropyValues(['model', 'platformVersion', 'architecture'])
    return hints ? `${hints.architecture ?? ''}|${hints.model ?? ''}|${hints.platformVersion ?? ''}` : null
  },
  intlLocale: () => Intl.DateTimeFormat().resolvedOptions().locale,
  colorGamut: () => (media('(color-gamut: p3)') ? 'p3' : media('(color-gamut: srgb)') ? 'srgb' : null),
  darkScheme: () => media('(prefers-color-scheme: dark)'),
  reducedMotion: () => media('(prefers-reduced-motion: reduce)'),
  math: () => [Math.tan(-1e300), Math.sinh(1), Math.expm1(1), Math.cbrt(100), Math.log1p(10)].join(','),
}

/** The widths themselves, not only presence: whether the engines' text layout agrees to the subpixel. */
function fontWidths(): string {
  const ctx = document.createElement('canvas').getContext('2d')
  if (!ctx) return ''
  return ['monospace', 'sans-serif', 'serif', '"DejaVu Sans"', '"DejaVu Serif"'].map((f) => {
    ctx.font = `72px ${f}`
    return ctx.measureText('mmMwWLliI0O&@').width
  }).join(',')
}

function webglParameters(): string | null {
  const gl = document.createElement('canvas').getContext('webgl')
  if (!gl) return null
  const names = ['MAX_TEXTURE_SIZE', 'MAX_VIEWPORT_DIMS', 'MAX_RENDERBUFFER_SIZE', 'MAX_VERTEX_ATTRIBS', 'MAX_VARYING_VECTORS', 'ALIASED_LINE_WIDTH_RANGE', 'MAX_COMBINED_TEXTURE_IMAGE_UNITS'] as const
  const values = names.map((n) => String(gl.getParameter(gl[n])))
  gl.getExtension('WEBGL_lose_context')?.loseContext()
  return values.join(';')
}

/** AmIUnique's audio fingerprint: an oscillator through a compressor, rendered offline, summed. */
async function audio(): Promise<SignalValue> {
  const Ctx = window.OfflineAudioContext ?? (window as unknown as { webkitOfflineAudioContext?: typeof OfflineAudioContext }).webkitOfflineAudioContext
  if (!Ctx) return null
  const ctx = new Ctx(1, 5000, 44100)
  const osc = ctx.createOscillator()
  osc.type = 'triangle'
  osc.frequency.value = 10000
  const comp = ctx.createDynamicsCompressor()
  osc.connect(comp)
  comp.connect(ctx.destination)
  osc.start(0)
  const buffer = await ctx.startRendering()
  const data = buffer.getChannelData(0)
  let sum = 0
  for (let i = 4500; i < 5000; i++) sum += Math.abs(data[i]!)
  return sum.toString()
}

export interface ProbeResult {
  readonly values: Record<string, SignalValue>
  readonly ms: Record<string, number>
}

/**
 * Each candidate once, on a fresh page and in this order, so that each pays its own first
 * use (the WebGL context falls to gpuMaker, the first one to ask for it; webglRenderer and
 * webglVendor then read the same context).
 */
async function candidates(): Promise<ProbeResult> {
  const values: Record<string, SignalValue> = {}
  const ms: Record<string, number> = {}
  for (const [name, probe] of Object.entries(CANDIDATES)) {
    const start = performance.now()
    try {
      const value = await probe()
      values[name] = typeof value === 'string' && value.length > 80 ? await sha256Base64url(value) : value
    } catch (error) {
      values[name] = `error: ${String(error)}`
    }
    ms[name] = performance.now() - start
  }
  return { values, ms }
}

/** The SDK's own work on a fresh page, as the bridge runs it: the device signals alone, or both hashes. */
async function sdk(part: 'device' | 'fingerprint'): Promise<{ ms: number; device?: string; browser?: string }> {
  const t = performance.now()
  if (part === 'device') {
    deviceSignals()
    return { ms: performance.now() - t }
  }
  const fp = await generateFingerprint()
  return { ms: performance.now() - t, device: fp.device, browser: fp.browser }
}

Object.assign(window, { probeCandidates: candidates, probeSdk: sdk })
