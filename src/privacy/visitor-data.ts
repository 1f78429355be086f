import type { IdentityState } from '../identity/identity-state.js'
import type { RetentionCounts, VisitorClickRow, VisitorContext } from '../storage/storage.js'
import type { VisitorsRepository } from '../storage/visitors-repository.js'

/** One visitor's data: a device cluster and the storage contexts (cookie jars) in it. */
export interface Visitor {
  /** The id it was asked for (a cookie id, a context key or a device cluster id). */
  readonly id: string
  /** The canonical device cluster, null when nothing places the id in one. */
  readonly deviceCluster: string | null
  /** The contexts whose clicks and identity rows are the visitor's: the id itself, and under scope `device` the cluster's members and root. */
  readonly contexts: readonly string[]
}

/**
 * `context`: only the storage context the id names — what a cookie proves, for the visitor
 * asking from their own browser. `device`: its whole device cluster, for an operator who
 * has verified the request: the engine's merges are evidence, not proof (identical phones
 * of one family may share a cluster), so a cookie alone must never open another
 * browser's history.
 */
export type VisitorScope = 'context' | 'device'

export interface VisitorDataOptions {
  readonly storage: { readonly visitors: VisitorsRepository }
  /** The click writer: flushed first, so a click still queued neither misses an export nor comes back after a deletion. */
  readonly writer: { flush(): Promise<void> }
  /** The identity engine's state as it stands now (the migration job may replace it). */
  readonly state: () => IdentityState
  /** Rows per delete statement (5 000). */
  readonly batchSize?: number
  /** After the erasure: what else held the visitor forgets it (the identity snapshot), before erase() returns. */
  readonly onErased?: () => Promise<void>
}

/** Keys per page query, so a wrongly merged giant cluster stays within parameter limits. */
const KEY_SLICE = 500

/**
 * Per-visitor export and deletion (docs/contracts.md, Privacy). A visitor is a cookie jar or, for
 * an operator, a device cluster: one person's browsers and private windows, as the
 * identity engine joined them (VisitorScope). Clicks
 * are found through their storage context (clicks.fingerprint_id, indexed), never by a
 * scan; links' click_count stays, as it does under retention.
 */
export class VisitorData {
  readonly #o: VisitorDataOptions

  constructor(options: VisitorDataOptions) {
    this.#o = options
  }

  /** The visitor an id belongs to, or null when nothing is stored for it. */
  async find(id: string, scope: VisitorScope): Promise<Visitor | null> {
    const { storage } = this.#o
    await this.#o.writer.flush()
    // The engine's memory first (it knows the newest merges), then what storage says, and
    // last the id as a cluster whose root row is gone (retention keeps roots while members
    // remain, but an older database may lack one).
    const state = this.#o.state()
    const root = state.find('device', id)
    const deviceCluster = root !== id || state.get(id) !== undefined
      ? root
      : (await storage.visitors.deviceClusterOf(id)) ?? ((await storage.visitors.clusterContexts(id)).length > 0 ? id : null)
    const contexts = new Set<string>([id])
    if (scope === 'device' && deviceCluster !== null) {
      contexts.add(deviceCluster)
      for (const key of await storage.visitors.clusterContexts(deviceCluster)) contexts.add(key)
    }
    const visitor: Visitor = { id, deviceCluster, contexts: [...contexts].sort() }
    const stored = (await storage.visitors.visitorContexts(visitor.contexts)).length > 0 || !(await this.clicks(visitor, 1).next()).done
    return stored ? visitor : null
  }

  contextsOf(visitor: Visitor): Promise<VisitorContext[]> {
    return this.#o.storage.visitors.visitorContexts(visitor.contexts)
  }

  /** The visitor's clicks, page by page, never all in memory. */
  async *clicks(visitor: Visitor, pageSize = 1_000): AsyncGenerator<VisitorClickRow> {
    for (let i = 0; i < visitor.contexts.length; i += KEY_SLICE) {
      const keys = visitor.contexts.slice(i, i + KEY_SLICE)
      for (let after = 0; ; ) {
        const page = await this.#o.storage.visitors.visitorClicksPage(keys, after, pageSize)
        yield* page
        const last = page.at(-1)
        if (!last || page.length < pageSize) break
        after = Number(last.id)
      }
    }
  }

  /** Deletes the visitor's clicks and identity rows; the counts of what went. */
  async erase(visitor: Visitor): Promise<RetentionCounts> {
    await this.#o.writer.flush()
    const deleted = await this.#o.storage.visitors.deleteVisitorData(visitor.contexts, this.#o.batchSize ?? 5_000)
    this.#o.state().erase(visitor.contexts)
    await this.#o.onErased?.()
    return deleted
  }
}
