export interface WebglInfo {
  readonly vendor: string | null
  readonly renderer: string | null
}

let cached: WebglInfo | undefined

/** The WebGL vendor and renderer, unmasked where the browser allows; one context per page, it is the costly part. */
export function webglInfo(): WebglInfo {
  if (cached) return cached
  try {
    const canvas = document.createElement('canvas')
    const gl = (canvas.getContext('webgl') ?? canvas.getContext('experimental-webgl')) as WebGLRenderingContext | null
    if (!gl) return (cached = { vendor: null, renderer: null })
    const info = gl.getExtension('WEBGL_debug_renderer_info')
    const vendor = info ? gl.getParameter(info.UNMASKED_VENDOR_WEBGL) : gl.getParameter(gl.VENDOR)
    const renderer = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)
    cached = { vendor: typeof vendor === 'string' ? vendor : null, renderer: typeof renderer === 'string' ? renderer : null }
    // The context is not needed any more: browsers cap live WebGL contexts per page.
    gl.getExtension('WEBGL_lose_context')?.loseContext()
  } catch {
    cached = { vendor: null, renderer: null }
  }
  return cached
}
