/**
 * A tiny seeded pseudo-random generator (sfc32, seeded through cyrb128).
 *
 * Why not Math.random: the benchmark must be reproducible bit for bit under a
 * seed, on any machine, so that a change in the identity engine's score is a
 * change in the engine and never in the traffic. Why sfc32: it passes
 * PractRand, is four 32-bit adds/xors/rotates per draw, and needs no
 * dependency (Chris Doty-Humphrey's "Small Fast Counting" generator).
 *
 * `fork(label)` derives an independent stream from a name, so that adding a
 * draw in one module (say, bots) does not shift every draw of another (say,
 * networks): each module owns its own stream.
 */
export class Prng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(readonly seed: string) {
    const [a, b, c, d] = cyrb128(seed)
    this.a = a
    this.b = b
    this.c = c
    this.d = d
    // The first outputs of sfc32 are weakly mixed; discard a few.
    for (let i = 0; i < 12; i++) this.nextUint32()
  }

  /** A stream that depends only on this seed and the label. */
  fork(label: string | number): Prng {
    return new Prng(`${this.seed}/${label}`)
  }

  /** A single draw in [0, 1) that depends only on the keys (no state). */
  static at(...keys: Array<string | number>): number {
    return new Prng(keys.join('/')).next()
  }

  nextUint32(): number {
    this.a >>>= 0
    this.b >>>= 0
    this.c >>>= 0
    this.d >>>= 0
    let t = (this.a + this.b) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.d = (this.d + 1) | 0
    t = (t + this.d) | 0
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** Uniform real in [min, max). */
  between(min: number, max: number): number {
    return min + this.next() * (max - min)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[Math.floor(this.next() * items.length)] as T
  }

  /** Picks from [item, weight] pairs; weights need not sum to 1. */
  weighted<T>(pairs: ReadonlyArray<readonly [T, number]>): T {
    let total = 0
    for (const [, w] of pairs) total += Math.max(0, w)
    if (total <= 0) throw new Error('weighted pick with no positive weight')
    let r = this.next() * total
    for (const [item, w] of pairs) {
      r -= Math.max(0, w)
      if (r < 0) return item
    }
    return pairs[pairs.length - 1]![0]
  }

  /** Exponential with the given mean. */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next()
    const v = this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  /** Log-normal given its median and the sigma of its logarithm. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal())
  }

  poisson(lambda: number): number {
    // Knuth's method; lambdas here are small (visits per window).
    if (lambda <= 0) return 0
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()))
    const limit = Math.exp(-lambda)
    let k = 0
    let p = 1
    do {
      k++
      p *= this.next()
    } while (p > limit)
    return k - 1
  }

  /** A new array with the items in random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice()
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const tmp = out[i] as T
      out[i] = out[j] as T
      out[j] = tmp
    }
    return out
  }

  /** `count` distinct items (or all of them if fewer). */
  sample<T>(items: readonly T[], count: number): T[] {
    return this.shuffle(items).slice(0, Math.max(0, Math.min(count, items.length)))
  }

  /** Lowercase hex string of `length` characters. */
  hex(length: number): string {
    let s = ''
    while (s.length < length) s += this.nextUint32().toString(16).padStart(8, '0')
    return s.slice(0, length)
  }
}

/** cyrb128: a fast 128-bit string hash, used only to seed sfc32. */
function cyrb128(str: string): [number, number, number, number] {
  let h1 = 1779033703
  let h2 = 3144134277
  let h3 = 1013904242
  let h4 = 2773480762
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179)
  h1 ^= h2 ^ h3 ^ h4
  h2 ^= h1
  h3 ^= h1
  h4 ^= h1
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0]
}
