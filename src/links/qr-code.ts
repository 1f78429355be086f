import QRCode from 'qrcode'
import { LruCache } from '../signals/lru-cache.js'

export type QrFormat = 'png' | 'svg'

/**
 * Bounds of the QR API. A PNG costs CPU on the event loop in proportion to its pixels
 * (`npx tsx bench/qr.ts`: 256 px 6.6 ms, 512 px 20 ms, 1024 px 73 ms, 2048 px 317 ms),
 * so 1024 px is the most one request may ask for: 8.7 cm at 300 dpi, enough to print;
 * bigger prints take the SVG, which scales for free (0.7 ms).
 */
export const QR_LIMITS = { size: { min: 64, max: 1024, default: 256 }, margin: { min: 0, max: 16, default: 4 } } as const

export interface QrCodeImage {
  contentType: string
  body: Buffer | string
}

/**
 * The QR code of a short URL, made by the qrcode package. `size`: the image's width in
 * pixels (PNG) or its width attribute (SVG, which scales anyway); `margin`: the quiet zone,
 * in modules (4 is the standard's). Error correction M: a short URL stays small, and M
 * survives a smudge or a logo sticker over ~15 % of it.
 */
export async function renderQrCodeUncached(text: string, options: { format: QrFormat; size: number; margin: number }): Promise<QrCodeImage> {
  const common = { errorCorrectionLevel: 'M' as const, width: options.size, margin: options.margin }
  if (options.format === 'svg') return { contentType: 'image/svg+xml', body: await QRCode.toString(text, { ...common, type: 'svg' }) }
  return { contentType: 'image/png', body: await QRCode.toBuffer(text, { ...common, type: 'png' }) }
}

/** The last images made: a dashboard's repeated download, or a printed sheet's many requests, renders once. ~7 KB a PNG. */
const recent = new LruCache<string, Promise<QrCodeImage>>({ max: 64 })

export function renderQrCode(text: string, options: { format: QrFormat; size: number; margin: number }): Promise<QrCodeImage> {
  const key = `${options.format} ${options.size} ${options.margin} ${text}`
  let image = recent.get(key)
  if (!image) {
    image = renderQrCodeUncached(text, options)
    recent.set(key, image)
    image.catch(() => recent.delete(key))
  }
  return image
}
