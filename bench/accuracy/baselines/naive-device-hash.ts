import { createHash } from 'node:crypto'
import UAParser from 'ua-parser-js'
import type { Baseline } from '../types.js'
import { decisionsFromIds } from './decisions-from-ids.js'

/**
 * The device fingerprint of seed 004 taken at its word: a hash of the IP,
 * the time zone, the primary language and the OS — "the same for every
 * browser" — and a browser fingerprint of that plus the full UA and the
 * Accept headers. The time zone comes from X-Timezone when the SDK sent one
 * (a plain redirect has none); geo is a function of the IP and adds nothing.
 */
export const naiveDeviceHash: Baseline = {
  name: 'seed naive hash',
  description: 'seed 004: hash(ip + timezone + language + OS); browser = + UA + Accept headers',
  decide: (clicks) => {
    const parser = new UAParser()
    return decisionsFromIds(clicks, (c) => {
      const ua = c.headers['user-agent'] ?? ''
      parser.setUA(ua)
      const os = parser.getOS()
      const lang = (c.headers['accept-language'] ?? '').split(',')[0]?.split(';')[0]?.trim() ?? ''
      const tz = c.headers['x-timezone'] ?? ''
      const device = createHash('sha256').update(`${c.ip}|${tz}|${lang}|${os.name ?? ''} ${os.version ?? ''}`).digest('hex').slice(0, 20)
      const browser = createHash('sha256').update(`${device}|${ua}|${c.headers['accept'] ?? ''}|${c.headers['accept-encoding'] ?? ''}|${c.headers['accept-language'] ?? ''}`).digest('hex').slice(0, 20)
      return { deviceId: device, browserId: browser }
    })
  },
}
