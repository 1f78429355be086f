import { createHash } from 'node:crypto'
import type { Baseline } from '../types.js'
import { decisionsFromIds } from './decisions-from-ids.js'

/**
 * Umami's session id (umami-software/umami, src/lib/crypto.ts, v2): a UUID
 * from the website id, hostname, IP address and user agent with a salt that
 * changes at the start of every month.
 */
export const umamiMonthlyHash: Baseline = {
  name: 'umami monthly',
  description: 'Umami: uuid(website + ip + ua + monthly salt)',
  decide: (clicks) =>
    decisionsFromIds(clicks, (c) => {
      const month = c.ts.slice(0, 7)
      const id = createHash('sha256').update(`salt:${month}|website|linkprint.test|${c.ip}|${c.headers['user-agent'] ?? ''}`).digest('hex').slice(0, 20)
      return { deviceId: id, browserId: id }
    }),
}
