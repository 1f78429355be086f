import type { NewClick } from './storage.js'

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
] as const satisfies ReadonlyArray<readonly [keyof NewClick, string]>

/** Human clicks per link in a batch: what each link's click_count grows by. */
export function humanClicksByLink(clicks: readonly NewClick[]): Map<number, number> {
  const counts = new Map<number, number>()
  for (const click of clicks) if (click.is_bot === 0) counts.set(click.link_id, (counts.get(click.link_id) ?? 0) + 1)
  return counts
}
