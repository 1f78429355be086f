import { isbot } from 'isbot'
import type { ClickLine, Decision } from '../types.js'

/**
 * Turns a baseline's per-click ids into the decisions shape of
 * `linkprint replay --decisions`: unique flags mean "first click of this id
 * on this link" in time order, and every baseline flags bots with isbot on
 * the user agent alone — which is what the peers do (Dub, Plausible and Umami
 * all drop requests by UA pattern).
 */
export function decisionsFromIds(clicks: readonly ClickLine[], ids: (c: ClickLine, i: number) => { deviceId: string; browserId: string; confidence?: number | null }): Decision[] {
  const order = clicks.map((_, i) => i).sort((a, b) => Date.parse(clicks[a]!.ts) - Date.parse(clicks[b]!.ts) || a - b)
  const out: Decision[] = new Array(clicks.length)
  const seenDevice = new Set<string>()
  const seenBrowser = new Set<string>()
  for (const i of order) {
    const c = clicks[i]!
    const { deviceId, browserId, confidence } = ids(c, i)
    const link = c.path
    const dk = `${link}\u0000${deviceId}`
    const bk = `${link}\u0000${browserId}`
    out[i] = {
      id: c.id,
      deviceId,
      browserId,
      confidence: confidence ?? null,
      deviceUnique: !seenDevice.has(dk),
      browserUnique: !seenBrowser.has(bk),
      bot: isbot(c.headers['user-agent'] ?? ''),
    }
    seenDevice.add(dk)
    seenBrowser.add(bk)
  }
  return out
}
