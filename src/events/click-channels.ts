import diagnostics_channel from 'node:diagnostics_channel'
import type { ClickEnvironment, ClickOutcome } from '../decisions/click-pipeline.js'
import type { TrackedClick } from '../decisions/scanner-detector.js'
import type { ClusterMerge } from '../identity/identity-engine.js'

/**
 * What a running service tells whoever listens (replay, benchmarks, an APM), on
 * node:diagnostics_channel rather than callback slots: any number of subscribers, and
 * none costs one `hasSubscribers` check. Channels are process-wide, so each message names
 * the service it comes from by its click environment (several services share a process
 * in tests and benchmarks).
 */
export type RecordedClick = Extract<ClickOutcome, { dropped: null }>

/** `linkprint:click`: a redirect's click was recorded (queued for the writer), with the pipeline's whole outcome. */
export interface ClickEvent {
  readonly environment: ClickEnvironment
  readonly outcome: RecordedClick
}

/** `linkprint:reclassify`: earlier clicks found to be scanners, about to be stored as bots. */
export interface ReclassifyEvent {
  readonly environment: ClickEnvironment
  readonly clicks: readonly TrackedClick[]
}

/** `linkprint:union`: clusters a click joined (its identity decision's merges). */
export interface UnionEvent {
  readonly environment: ClickEnvironment
  readonly merges: readonly ClusterMerge[]
}

export const CLICK_CHANNEL = 'linkprint:click' as const
export const RECLASSIFY_CHANNEL = 'linkprint:reclassify' as const
export const UNION_CHANNEL = 'linkprint:union' as const

const clicks = diagnostics_channel.channel(CLICK_CHANNEL)
const reclassifications = diagnostics_channel.channel(RECLASSIFY_CHANNEL)
const unions = diagnostics_channel.channel(UNION_CHANNEL)

/**
 * On the redirect's path. With nobody subscribed: two `hasSubscribers` checks and no
 * allocation, ~1 ns a click against ~100 µs of CPU a redirect (`npm run bench:redirect`).
 */
export function publishClick(environment: ClickEnvironment, outcome: RecordedClick): void {
  if (clicks.hasSubscribers) clicks.publish({ environment, outcome } satisfies ClickEvent)
  if (unions.hasSubscribers) {
    const merges = outcome.context.identity?.merges
    if (merges && merges.length > 0) unions.publish({ environment, merges } satisfies UnionEvent)
  }
}

export function publishReclassify(environment: ClickEnvironment, clicked: readonly TrackedClick[]): void {
  if (reclassifications.hasSubscribers) reclassifications.publish({ environment, clicks: clicked } satisfies ReclassifyEvent)
}

interface ChannelEvents {
  [CLICK_CHANNEL]: ClickEvent
  [RECLASSIFY_CHANNEL]: ReclassifyEvent
  [UNION_CHANNEL]: UnionEvent
}

/** Subscribes to one service's events on a channel; returns the unsubscribe. */
export function subscribe<N extends keyof ChannelEvents>(name: N, environment: ClickEnvironment, listener: (event: ChannelEvents[N]) => void): () => void {
  const onMessage = (message: unknown) => {
    const event = message as ChannelEvents[N]
    if (event.environment === environment) listener(event)
  }
  diagnostics_channel.subscribe(name, onMessage)
  return () => void diagnostics_channel.unsubscribe(name, onMessage)
}
