import { createHash } from 'node:crypto'
import type { Baseline, ClickLine } from '../types.js'
import { decisionsFromIds } from './decisions-from-ids.js'

const HOUR = 3_600_000

/**
 * Dub's click deduplication (dubinc/dub, apps/web/lib/middleware/utils/
 * get-identity-hash.ts and the record-click cache): an identity hash
 * sha256(`${ip}-${ua}`) per link, kept in Redis for one hour from the
 * recorded click; a click whose hash is cached is not recorded. Dub has no
 * notion of a visitor beyond that: every recorded click is a new one, so the
 * ids here are (link, identity hash, recorded click).
 */
export const dubDedup: Baseline = {
  name: 'dub 1h ip+ua',
  description: "Dub: drop a click if the same sha256(ip-ua) clicked the same link in the last hour",
  decide: (clicks) => {
    const recorded = new Map<string, { at: number; id: string }>()
    const ids = new Map<ClickLine, string>()
    const byTime = clicks.slice().sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts))
    for (const c of byTime) {
      const hash = createHash('sha256').update(`${c.ip}-${c.headers['user-agent'] ?? ''}`).digest('hex').slice(0, 16)
      const key = `${c.path}|${hash}`
      const t = Date.parse(c.ts)
      const prev = recorded.get(key)
      if (prev && t - prev.at < HOUR) {
        ids.set(c, prev.id)
      } else {
        const id = `dub:${key}:${c.id}`
        recorded.set(key, { at: t, id })
        ids.set(c, id)
      }
    }
    return decisionsFromIds(clicks, (c) => {
      const id = ids.get(c)!
      return { deviceId: id, browserId: id }
    })
  },
}
