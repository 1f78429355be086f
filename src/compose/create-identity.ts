import type { Config } from '../config/config.js'
import { IdentityEngine } from '../identity/identity-engine.js'
import type { IdentityState } from '../identity/identity-state.js'
import { MemoryIdentityState } from '../identity/memory-identity-state.js'
import { RedisIdentityReplication } from '../identity/redis-identity-replication.js'
import { replaceableIdentityState, type ReplaceableIdentityState } from '../identity/replaceable-identity-state.js'
import type { RedisOutageLog } from '../sessions/redis-outage-log.js'

export interface IdentityParts {
  readonly engine: IdentityEngine
  /** The engine's own state, replaceable by the migration job; null when the engine was given (replay, tests). */
  readonly replaceable: ReplaceableIdentityState | null
  /** REDIS_URL: the state shared with the other instances; null otherwise. Started once the state is loaded. */
  readonly replication: RedisIdentityReplication | null
  /** A fresh state, as the migration job starts from. */
  newState(): IdentityState
  /** While this says true (the migration job rebuilds the state), the other instances' changes wait. */
  pauseReplicationWhile(paused: () => boolean): void
}

/** The identity engine over a bounded in-memory state, shared through Redis when there is one. */
export async function createIdentity(config: Config, options: { identity?: IdentityEngine; shareIdentity?: boolean; redisLog: RedisOutageLog }): Promise<IdentityParts> {
  // Replaceable so the migration job can start the engine's memory afresh under everyone holding it.
  const newState = () => new MemoryIdentityState({ maxEntities: config.identityMaxContexts })
  const replaceable = options.identity ? null : replaceableIdentityState(newState())
  // Set once the migration job exists; until then nothing is migrating.
  let migrating = () => false
  const replication = replaceable && config.redisUrl && options.shareIdentity !== false
    ? await RedisIdentityReplication.open({
      redisUrl: config.redisUrl, prefix: config.redisPrefix, state: replaceable.state, paused: () => migrating(),
      onError: (error) => options.redisLog.error('identity replication', error), onConnected: () => options.redisLog.connected('identity replication'),
    })
    : null
  const engine = options.identity ?? new IdentityEngine({ state: replication?.state ?? replaceable!.state, sessionWindowMs: config.sessionWindow, minConfidence: config.minConfidence })
  return {
    engine, replaceable, replication, newState,
    pauseReplicationWhile(paused) {
      migrating = paused
    },
  }
}
