import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import { FACT_COLUMNS, RollupDeltas, type ClickFacts } from './rollup-deltas.js'
import { kyselyRollupStore } from './kysely-rollup-store.js'
import { applyRollupDeltas, clustersOf, LEVELS, recountClusters, type LinkOwners } from './rollup-maintenance.js'

type StoredFacts = ClickFacts & { id: number; fingerprint_id: string | null }

/** The facts of the clicks with these ids (retention, visitor deletion, reclassification). */
export async function clickFacts(db: Kysely<Database>, ids: readonly number[]): Promise<StoredFacts[]> {
  const out: StoredFacts[] = []
  for (let i = 0; i < ids.length; i += 400) {
    const rows = await db.selectFrom('clicks').select([...FACT_COLUMNS, 'id', 'fingerprint_id']).where('id', 'in', ids.slice(i, i + 400)).execute()
    out.push(...(rows as StoredFacts[]))
  }
  return out
}

/**
 * Takes clicks about to be deleted (or changed) out of the rollups: their counts leave
 * their hours, and the clusters whose unique click one of them was are recounted after
 * `change` ran, so the flag passes to the cluster's next click on that link, if any.
 */
export async function withRollupsAdjusted(
  db: Kysely<Database>,
  owners: LinkOwners,
  clicks: readonly StoredFacts[],
  change: (deltas: RollupDeltas, ownerOf: ReadonlyMap<number, number>) => Promise<void>,
): Promise<void> {
  if (clicks.length === 0) return change(new RollupDeltas(), new Map())
  const store = kyselyRollupStore(db)
  const deltas = new RollupDeltas()
  const ownerOf = await owners.of(store, clicks.map((c) => Number(c.link_id)))
  for (const c of clicks) deltas.addClick(c, ownerOf.get(Number(c.link_id)), -1)
  const flagged = clicks.filter((c) => Number(c.browser_unique) === 1 || Number(c.device_unique) === 1)
  const placed = await clustersOf(store, flagged.flatMap((c) => (c.fingerprint_id === null ? [] : [c.fingerprint_id])))
  await change(deltas, ownerOf)
  for (const level of LEVELS) {
    const clusters = new Set<string>()
    for (const c of flagged) {
      const cluster = c.fingerprint_id === null ? undefined : placed.get(c.fingerprint_id)?.[level]
      if (cluster !== undefined && Number(level === 'browser' ? c.browser_unique : c.device_unique) === 1) clusters.add(cluster)
    }
    if (clusters.size > 0) await recountClusters(store, level, clusters, deltas, owners)
  }
  await applyRollupDeltas(store, deltas)
}

/** Human clicks become bots: out of the human counts (and their clusters recounted), into the bot counts with their reason. */
export async function reclassifyWithRollups(db: Kysely<Database>, owners: LinkOwners, changed: ReadonlyArray<{ id: number; botReason: string }>): Promise<void> {
  const facts = await clickFacts(db, changed.map((c) => c.id))
  const reasons = new Map(changed.map((c) => [c.id, c.botReason]))
  await withRollupsAdjusted(db, owners, facts, async (deltas, ownerOf) => {
    for (const c of facts) {
      deltas.addClick({ ...c, is_bot: 1, bot_reason: reasons.get(Number(c.id)) ?? null }, ownerOf.get(Number(c.link_id)), 1)
    }
    for (let i = 0; i < changed.length; i += 400) {
      for (const c of changed.slice(i, i + 400)) {
        await db.updateTable('clicks').set({ is_bot: 1, bot_reason: c.botReason, browser_unique: 0, device_unique: 0 }).where('id', '=', c.id).execute()
      }
    }
  })
}

/** A deleted link's rows leave click_rollups, and its counts its owner's account_rollups. link_visitors keeps its rows: ids are never reused, so they are never read again. */
export async function forgetLinkRollups(db: Kysely<Database>, linkId: number): Promise<void> {
  const link = await db.selectFrom('links').select('user_id').where('id', '=', linkId).executeTakeFirst()
  if (link) {
    const rows = await db.selectFrom('click_rollups').selectAll().where('link_id', '=', linkId).execute()
    const deltas = new RollupDeltas()
    for (const r of rows) deltas.subtractAccountRow(Number(link.user_id), r)
    await applyRollupDeltas(kyselyRollupStore(db), deltas)
  }
  await db.deleteFrom('click_rollups').where('link_id', '=', linkId).execute()
}
