import type { ClickEnvironment } from '../decisions/click-pipeline.js'
import type { TrackedClick } from '../decisions/scanner-detector.js'
import { publishReclassify } from '../events/click-channels.js'
import type { ClickWriter } from '../storage/click-writer.js'

/** Stores as bots the earlier clicks a redirect revealed as scanners (ClickOutcome.reclassified), and says so on `linkprint:reclassify`. */
export function createReclassify(writer: Pick<ClickWriter, 'reclassify'>, environment: ClickEnvironment): (clicks: readonly TrackedClick[]) => void {
  return (clicks) => {
    if (clicks.length === 0) return
    // The pipeline took them back from the links' counts already; the writer fixes the rows and stored counters.
    for (const c of clicks) writer.reclassify({ link_id: c.linkId, ts: c.ts, ip_hash: c.address, method: c.method, user_agent: c.userAgent, bot_reason: c.reason ?? 'scanner_burst' })
    publishReclassify(environment, clicks)
  }
}
