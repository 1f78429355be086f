import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type { ClusterLevel, FingerprintEntity } from './fingerprint-entity.js'
import type { IdentityState, StateEdge } from './identity-state.js'

/** A change the engine made to its state, as the other instances apply it. */
type Op =
  | readonly ['put', FingerprintEntity]
  | readonly ['union', ClusterLevel, string, string, string | null]
  | readonly ['clicked', ClusterLevel, string, number]
  | readonly ['erase', string[]]
  | readonly ['expire', number]

export interface RedisIdentityReplicationOptions {
  readonly redisUrl: string
  /** REDIS_PREFIX: the stream is `<prefix>identity:ops`. */
  readonly prefix: string
  /** This instance's state, which other instances' changes are applied to (and which the engine's changes go to first). */
  readonly state: IdentityState
  /** While true (a fingerprint migration recomputing everything), nothing is sent or applied. */
  readonly paused?: () => boolean
  /** How long changes gather before they go out as one stream entry (5 ms). */
  readonly flushMs?: number
  /** Stream entries Redis keeps (about 10 000 batches: minutes of traffic for a replica that falls behind). */
  readonly maxLength?: number
  readonly onError?: (error: unknown) => void
  /** A connection (re)connected: the end of an outage onError reported. */
  readonly onConnected?: () => void
}

/**
 * Several instances on one database, one identity engine (issue #3, "working state …
 * behind an interface a Redis implementation can serve"). The engine decides on the
 * redirect's hot path and cannot wait for a network round trip, so each instance keeps
 * the whole state in memory, as one instance does, and the instances keep each other's
 * copies current through a Redis stream: every change the engine makes (a context seen,
 * two clusters joined, a link clicked, a visitor erased) is appended within `flushMs`,
 * and every instance applies the others' changes as they arrive, a millisecond or two
 * later. A browser that clicks on one instance and then, through the load balancer, on
 * another is the same browser there; a device's second browser joins the cluster its
 * first made elsewhere.
 *
 * Applying a change twice is harmless (put replaces, union and clicked are idempotent),
 * so an instance that starts notes where the stream ends, loads the database, and then
 * applies everything from that point on: nothing between the two is missed. Clusters
 * converge whatever order changes arrive in: a union's survivor is the older root, which
 * every copy knows. What is not shared: two clicks of one device on two instances within
 * the same few milliseconds can both be counted unique, and a replica that falls more
 * than `maxLength` batches behind (Redis gone for minutes) misses what was trimmed, until
 * its next restart reloads the database.
 */
export class RedisIdentityReplication {
  /** The state to hand the engine: the local state, with every change also sent to the others. */
  readonly state: IdentityState
  readonly #o: RedisIdentityReplicationOptions
  readonly #writer: Redis
  readonly #reader: Redis
  readonly #stream: string
  readonly #instance = randomBytes(8).toString('base64url')
  #outbox: Op[] = []
  #timer: NodeJS.Timeout | null = null
  #lastId: string
  #reading: Promise<void> | null = null
  #closed = false
  #applied = 0
  #lost = 0

  private constructor(options: RedisIdentityReplicationOptions, writer: Redis, reader: Redis, lastId: string) {
    this.#o = options
    this.#writer = writer
    this.#reader = reader
    this.#stream = `${options.prefix}identity:ops`
    this.#lastId = lastId
    this.state = new ReplicatedState(options.state, (op) => this.#record(op))
  }

  /**
   * Connects and notes where the stream ends now; call start() once the database is
   * loaded. A Redis that is configured but unreachable fails the start, as it does for
   * sessions: instances silently deciding alone would count one device several times.
   */
  static async open(options: RedisIdentityReplicationOptions): Promise<RedisIdentityReplication> {
    const writer = new Redis(options.redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 2 })
    writer.on('error', (error: unknown) => options.onError?.(error))
    writer.on('ready', () => options.onConnected?.())
    try {
      await writer.connect()
      const stream = `${options.prefix}identity:ops`
      const last = (await writer.xrevrange(stream, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0'
      // Its own connection: XREAD BLOCK holds one for as long as it waits.
      const reader = writer.duplicate()
      reader.on('error', (error: unknown) => options.onError?.(error))
      return new RedisIdentityReplication(options, writer, reader, last)
    } catch (error) {
      writer.disconnect()
      throw new Error(`REDIS_URL is set but Redis is not reachable for the identity replication: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  /** Other instances' changes applied so far. */
  get applied(): number {
    return this.#applied
  }

  /** Changes that could not be sent (Redis unreachable at the time). */
  get lost(): number {
    return this.#lost
  }

  /** Begins applying other instances' changes, from where the stream ended at open(). */
  start(): void {
    this.#reading ??= this.#read()
  }

  /** Sends what is waiting now (a graceful stop, a test that needs the others to see it). */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    const ops = this.#outbox
    if (ops.length === 0) return
    this.#outbox = []
    try {
      await this.#writer.xadd(this.#stream, 'MAXLEN', '~', String(this.#o.maxLength ?? 10_000), '*', 'i', this.#instance, 'o', JSON.stringify(ops))
    } catch (error) {
      this.#lost += ops.length
      this.#o.onError?.(error)
    }
  }

  /** Resolves once every change any instance had sent before the call is applied here. */
  async caughtUp(): Promise<void> {
    const last = (await this.#writer.xrevrange(this.#stream, '+', '-', 'COUNT', 1))[0]?.[0]
    if (last === undefined) return
    while (!this.#closed && compareIds(this.#lastId, last) < 0) await new Promise((resolve) => setTimeout(resolve, 2))
  }

  async close(): Promise<void> {
    await this.flush()
    this.#closed = true
    // Ends a blocked XREAD at once; the loop sees #closed and returns.
    this.#reader.disconnect()
    await this.#reading
    await this.#writer.quit().catch(() => this.#writer.disconnect())
  }

  #record(op: Op): void {
    if (this.#closed || this.#o.paused?.()) return
    // The entity is sent as it is at flush time: the engine changes it in place, and the newest is what others need.
    this.#outbox.push(op)
    this.#timer ??= setTimeout(() => void this.flush(), this.#o.flushMs ?? 5)
  }

  async #read(): Promise<void> {
    while (!this.#closed) {
      let entries: Array<[id: string, fields: string[]]> = []
      try {
        const answer = await this.#reader.xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', this.#stream, this.#lastId)
        entries = answer?.[0]?.[1] ?? []
      } catch (error) {
        if (this.#closed) return
        this.#o.onError?.(error)
        await new Promise((resolve) => setTimeout(resolve, 200))
        continue
      }
      for (const [id, fields] of entries) {
        this.#lastId = id
        const from = fields[fields.indexOf('i') + 1]
        // A migration rebuilds this state from the database alone; the others' old clusters would only muddle it.
        if (from === this.#instance || this.#o.paused?.()) continue
        try {
          for (const op of JSON.parse(fields[fields.indexOf('o') + 1] ?? '[]') as Op[]) this.#apply(op)
        } catch (error) {
          this.#o.onError?.(error)
        }
      }
    }
  }

  #apply(op: Op): void {
    const state = this.#o.state
    switch (op[0]) {
      case 'put': state.put(op[1]); break
      case 'union': state.union(op[1], op[2], op[3], op[4] ?? undefined); break
      // By the cluster as it stands here: a union may have reached this copy in another order.
      case 'clicked': state.markClicked(op[1], state.find(op[1], op[2]), op[3]); break
      case 'erase': state.erase(op[1]); break
      case 'expire': state.expire(op[1]); break
    }
    this.#applied++
  }
}

/** Stream ids are `<ms>-<seq>`. */
function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number]
  const [bm, bs] = b.split('-').map(Number) as [number, number]
  return am - bm || as - bs
}

/** The engine's view: reads go to the local state; changes go there and to the outbox. */
class ReplicatedState implements IdentityState {
  readonly #local: IdentityState
  readonly #record: (op: Op) => void

  constructor(local: IdentityState, record: (op: Op) => void) {
    this.#local = local
    this.#record = record
  }

  get(key: string) { return this.#local.get(key) }
  find(level: ClusterLevel, key: string) { return this.#local.find(level, key) }
  takeWithdrawn() { return this.#local.takeWithdrawn() }
  clusterSize(level: ClusterLevel, key: string) { return this.#local.clusterSize(level, key) }
  onAddress(ipHash: string, limit?: number) { return this.#local.onAddress(ipHash, limit) }
  onPrefix(prefixHash: string, limit?: number) { return this.#local.onPrefix(prefixHash, limit) }
  withSdkDevice(hash: string, limit?: number) { return this.#local.withSdkDevice(hash, limit) }
  withSdkBrowser(hash: string, limit?: number) { return this.#local.withSdkBrowser(hash, limit) }
  contextsOnAddress(ipHash: string, since: number, atMost?: number) { return this.#local.contextsOnAddress(ipHash, since, atMost) }
  sdkDeviceAmbiguous(hash: string) { return this.#local.sdkDeviceAmbiguous(hash) }
  sdkBrowserAmbiguous(hash: string) { return this.#local.sdkBrowserAmbiguous(hash) }
  hasClicked(level: ClusterLevel, root: string, linkId: number) { return this.#local.hasClicked(level, root, linkId) }
  edgesOf(key: string): readonly StateEdge[] { return this.#local.edgesOf(key) }
  // Each instance restores from the database itself.
  restoreMembership(level: ClusterLevel, key: string, root: string, rootFirstSeen: number) { this.#local.restoreMembership(level, key, root, rootFirstSeen) }

  put(entity: FingerprintEntity): void {
    this.#local.put(entity)
    this.#record(['put', entity])
  }

  union(level: ClusterLevel, a: string, b: string, provisionalOn?: string): [string, string] | null {
    this.#record(['union', level, a, b, provisionalOn ?? null])
    return this.#local.union(level, a, b, provisionalOn)
  }

  markClicked(level: ClusterLevel, root: string, linkId: number): void {
    this.#local.markClicked(level, root, linkId)
    this.#record(['clicked', level, root, linkId])
  }

  erase(keys: Iterable<string>): void {
    const list = [...keys]
    this.#local.erase(list)
    this.#record(['erase', list])
  }

  expire(before: number): void {
    this.#local.expire(before)
    this.#record(['expire', before])
  }
}
