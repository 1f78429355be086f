/**
 * The GPU's maker, the part of the renderer string both engines report alike: Firefox
 * buckets the model into a coarse family ("Intel(R) HD Graphics 400") where Chromium
 * gives ANGLE's full name, and software renderers (SwiftShader, llvmpipe) stand in for a
 * blocklisted GPU. Null when WebGL is off.
 */
export function gpuMaker(renderer: string | null): string | null {
  if (!renderer) return null
  const r = renderer.toLowerCase()
  for (const [maker, pattern] of GPU_MAKERS) if (pattern.test(r)) return maker
  return 'other'
}

const GPU_MAKERS: ReadonlyArray<readonly [string, RegExp]> = [
  ['software', /swiftshader|llvmpipe|softpipe|software|basic render/],
  ['apple', /apple/],
  ['nvidia', /nvidia|geforce|quadro/],
  ['amd', /amd|radeon|ati /],
  ['intel', /intel/],
  ['qualcomm', /adreno|qualcomm/],
  ['arm', /mali|immortalis/],
  ['imagination', /powervr|imagination/],
  ['microsoft', /microsoft/],
]
