import type { ClickRecord, NewClick, NewCorrelation, NewFingerprint } from './storage.js'

/** The columns a click batch writes, in one order for both dialects' bulk writers, with their PostgreSQL array types. */
export const CLICK_COLUMNS = [
  ['link_id', 'bigint'],
  ['ts', 'bigint'],
  ['ip_hash', 'text'],
  ['ip_prefix_hash', 'text'],
  ['user_agent', 'text'],
  ['referrer_host', 'text'],
  ['method', 'text'],
  ['is_bot', 'integer'],
  ['bot_reason', 'text'],
  ['browser_id', 'text'],
  ['device_id', 'text'],
  ['confidence', 'real'],
  ['identity_source', 'text'],
  ['fingerprint_version', 'integer'],
  ['fingerprint_id', 'text'],
  ['legacy_id', 'text'],
  ['session_hash', 'text'],
  ['device_hash', 'text'],
  ['sdk_device_hash', 'text'],
  ['sdk_browser_hash', 'text'],
  ['signals', 'text'],
  ['country', 'text'],
  ['browser_name', 'text'],
  ['os_name', 'text'],
  ['device_type', 'text'],
  ['city', 'text'],
  ['language', 'text'],
  ['geo_source', 'text'],
  ['geo_confidence', 'real'],
  ['browser_unique', 'integer'],
  ['device_unique', 'integer'],
] as const satisfies ReadonlyArray<readonly [keyof NewClick, string]>

export const FINGERPRINT_COLUMNS = [
  'id', 'device_fingerprint', 'browser_fingerprint', 'session_fingerprint', 'primary_fingerprint', 'sdk_device_hash', 'sdk_browser_hash',
  'browser_name', 'os_name', 'device_type', 'confidence', 'correlation_factors', 'fingerprint_version', 'created_at', 'last_seen',
] as const satisfies ReadonlyArray<keyof NewFingerprint>

export const CORRELATION_COLUMNS = ['fingerprint_id', 'browser_cluster_id', 'device_cluster_id', 'correlation_type', 'confidence_score', 'updated_at', 'edges'] as const satisfies ReadonlyArray<keyof NewCorrelation>

/** Human clicks per link in a batch: what each link's click_count grows by. */
export function humanClicksByLink(records: readonly ClickRecord[]): Map<number, number> {
  const counts = new Map<number, number>()
  for (const { click } of records) if (click.is_bot === 0) counts.set(click.link_id, (counts.get(click.link_id) ?? 0) + 1)
  return counts
}

/**
 * The batch's merges reduced to one move per absorbed cluster, chains followed to their
 * end (A→B then B→C moves A's rows straight to C), so a batch needs one statement a level.
 */
export function collapsedMerges(records: readonly ClickRecord[]): Record<'browser' | 'device', Map<string, string>> {
  const out = { browser: new Map<string, string>(), device: new Map<string, string>() }
  for (const record of records) {
    for (const { level, absorbed, into } of record.merges ?? []) {
      const moves = out[level]
      const target = moves.get(into) ?? into
      for (const [from, to] of moves) if (to === absorbed) moves.set(from, target)
      moves.set(absorbed, target)
    }
  }
  return out
}

/** Records encoded between two turns of the event loop: ~1 ms of work. */
const ENCODE_PART = 250

/**
 * Encodes a batch in consecutive parts, letting the redirects that arrived meanwhile in
 * between: encoding costs a few µs a click on the thread that answers redirects, and a
 * batch of thousands encoded at once would hold every one of them for milliseconds.
 */
export async function encodeInParts<R, T>(records: readonly R[], encode: (part: readonly R[]) => T): Promise<T[]> {
  const parts: T[] = []
  for (let i = 0; i < records.length; i += ENCODE_PART) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve))
    parts.push(encode(records.slice(i, i + ENCODE_PART)))
  }
  return parts
}
