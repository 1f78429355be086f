import type { Baseline } from '../types.js'
import { decisionsFromIds } from './decisions-from-ids.js'

/** One visitor per IP address: what an access-log count of distinct clients reports. */
export const ipOnly: Baseline = {
  name: 'ip-only',
  description: 'one visitor per IP address',
  decide: (clicks) => decisionsFromIds(clicks, (c) => ({ deviceId: `ip:${c.ip}`, browserId: `ip:${c.ip}` })),
}
