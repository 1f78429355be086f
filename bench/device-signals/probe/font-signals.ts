/**
 * Fonts found by text metrics (Cao et al., NDSS 2017, §4.1): a family is installed when a
 * text set in it, with a generic family as fallback, measures otherwise than the generic
 * alone. Both engines ask the OS for the font (fontconfig, DirectWrite, CoreText), so the
 * answer is the machine's — unless the browser hides some (Firefox's font visibility in
 * private windows, Safari's system-fonts-only). The list is families that tell OS versions,
 * office suites and design software apart. A candidate, not in the SDK: docs/device-signals.md.
 */
export const FONT_PROBES: readonly string[] = [
  // Windows and its versions
  'Segoe UI', 'Segoe UI Variable Text', 'Bahnschrift', 'Calibri', 'Cambria', 'Consolas', 'Candara', 'Constantia', 'Corbel',
  'Franklin Gothic Medium', 'Ebrima', 'Gadugi', 'Leelawadee UI', 'Malgun Gothic', 'Microsoft YaHei', 'MS Gothic', 'Nirmala UI', 'Sitka Text',
  // Office and Adobe installs
  'Aptos', 'Century Gothic', 'Garamond', 'Book Antiqua', 'Bookman Old Style', 'Myriad Pro', 'Minion Pro', 'Adobe Garamond Pro',
  // macOS and its versions
  'Helvetica Neue', 'Avenir', 'Avenir Next', 'Futura', 'Gill Sans', 'Optima', 'Menlo', 'Monaco', 'PingFang SC', 'Hiragino Sans', 'SF Pro', 'New York',
  // Linux distributions, Android, ChromeOS
  'DejaVu Sans', 'DejaVu Serif', 'Liberation Sans', 'Noto Sans', 'Noto Serif', 'Ubuntu', 'Cantarell', 'Droid Sans', 'Roboto', 'Fira Sans',
  // Fonts people install
  'Open Sans', 'Lato', 'Source Sans Pro', 'Montserrat',
]

const BASES = ['monospace', 'sans-serif', 'serif'] as const
const SAMPLE = 'mmMwWLliI0O&@'

/**
 * The installed probes as a bit string in FONT_PROBES order, e.g. "0000…11", or null when
 * canvas text is unavailable. Chromium asks its browser process for each family it has not
 * seen, which is what makes this the costliest candidate there.
 */
export function installedFonts(): string | null {
  try {
    const ctx = document.createElement('canvas').getContext('2d')
    if (!ctx) return null
    const width = (font: string) => {
      ctx.font = `72px ${font}`
      return ctx.measureText(SAMPLE).width
    }
    const base = BASES.map((b) => width(b))
    return FONT_PROBES.map((name) => (BASES.some((b, i) => width(`"${name}", ${b}`) !== base[i]) ? '1' : '0')).join('')
  } catch {
    return null
  }
}
