import { createHash } from 'node:crypto'
import type { Baseline } from '../types.js'
import { decisionsFromIds } from './decisions-from-ids.js'

/**
 * Plausible's cookieless visitor id (plausible.io/data-policy): a hash of a
 * daily-rotated secret salt, the site's domain, the IP address and the user
 * agent. The salt is replaced every 24 hours, so the same person is a new
 * visitor every day; we rotate at UTC midnight.
 */
export const plausibleDailyHash: Baseline = {
  name: 'plausible daily',
  description: 'Plausible: hash(daily salt + domain + ip + ua)',
  decide: (clicks) =>
    decisionsFromIds(clicks, (c) => {
      const day = c.ts.slice(0, 10)
      const id = createHash('sha256').update(`salt:${day}|linkprint.test|${c.ip}|${c.headers['user-agent'] ?? ''}`).digest('hex').slice(0, 20)
      return { deviceId: id, browserId: id }
    }),
}
