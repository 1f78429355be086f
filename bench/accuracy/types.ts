/**
 * The shapes that cross file boundaries: the replay lines of docs/contracts.md
 * ("Replay"), the truth lines the simulator writes beside them, and the
 * decision lines that `linkprint replay --decisions` and every baseline emit.
 * They live together (the one exception to one-concept-per-file) because they
 * are one contract: the scorer reads all three and must agree with all three.
 */

/** `{"type":"link",...}`: created by replay if missing. */
export interface LinkLine {
  type: 'link'
  slug: string
  url: string
}

/** `{"type":"click",...}`: one recorded request, in the replay format. */
export interface ClickLine {
  type: 'click'
  id: string
  ts: string
  method: 'GET' | 'HEAD'
  path: string
  /** The client address as the server would see it. */
  ip: string
  /** A cookie-jar name; replay keeps one cookie store per jar. */
  jar: string
  /** Lower-case header names, as Node presents them. */
  headers: Record<string, string>
}

export type ReplayLine = LinkLine | ClickLine

/** Ground truth for one click, written to truth.ndjson. */
export interface TruthLine {
  id: string
  /** null for bots */
  personId: string | null
  /** The physical device (for bots: the fetching agent). */
  deviceId: string
  /** The browser install (its storage context); private windows belong to their install. */
  browserId: string
  bot: boolean
  /** The link's slug. */
  link: string
  /** Extensions, not needed by the scorer: kept for analysis and tests. */
  private?: boolean
  sdk?: boolean
  botKind?: string
}

/** One line of `linkprint replay --decisions`, and of every baseline. */
export interface Decision {
  id: string
  deviceId: string
  browserId: string
  /** 0..1 or 0..100; null when the method has no notion of confidence. */
  confidence: number | null
  browserUnique: boolean
  deviceUnique: boolean
  bot: boolean
}

/** A method that turns the same events into decisions (the baselines). */
export interface Baseline {
  /** Short name for tables. */
  name: string
  /** One line on what it does and where the rule comes from. */
  description: string
  decide(clicks: readonly ClickLine[]): Decision[]
}

/** A request being built by the simulator, before ids are assigned in time order. */
export interface ClickDraft {
  t: number
  method: 'GET' | 'HEAD'
  path: string
  ip: string
  jar: string
  headers: Record<string, string>
  truth: Omit<TruthLine, 'id'>
}
