/**
 * CPU time of one QR code, in process, as GET /api/links/:slug/qr makes it:
 *   npx tsx bench/qr.ts [--rounds 200]
 *
 * process.cpuUsage (user + system) around `rounds` renders of a typical short URL per
 * format and size, after a warm-up; printed as CPU ms per image. CPU time, not wall time:
 * the machine is shared, and what a render costs the server is the CPU it takes.
 */
import { renderQrCodeUncached as renderQrCode, type QrFormat } from '../src/links/qr-code.js'

const roundsIndex = process.argv.indexOf('--rounds')
const ROUNDS = roundsIndex === -1 ? 200 : Number(process.argv[roundsIndex + 1])
const URL = 'https://sho.rt/Promo_2026'

async function cpuMsPerImage(format: QrFormat, size: number): Promise<number> {
  for (let i = 0; i < 20; i++) await renderQrCode(URL, { format, size, margin: 4 })
  const start = process.cpuUsage()
  for (let i = 0; i < ROUNDS; i++) await renderQrCode(URL, { format, size, margin: 4 })
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000 / ROUNDS
}

console.log(`QR code of ${URL}, ${ROUNDS} renders each, CPU ms per image`)
for (const [format, size] of [['png', 256], ['png', 512], ['png', 1024], ['png', 2048], ['svg', 256]] as const) {
  console.log(`${format} ${String(size).padStart(4)} px  ${(await cpuMsPerImage(format, size)).toFixed(2)} ms`)
}
