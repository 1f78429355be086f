import type { ClickInput } from '../decisions/click-pipeline.js'
import type { Link } from '../storage/storage.js'
import type { BridgeClaims } from './bridge-claims.js'
import { bridgePage, bridgePageHeaders } from './bridge-page.js'
import type { BridgeTokens, BridgeVisit } from './bridge-token.js'
import { HeldClicks, type HeldClick } from './held-clicks.js'

export interface BridgeOptions {
  readonly tokens: BridgeTokens
  readonly claims: BridgeClaims
  /** The page's inline script (src/sdk/browser/bridge-page.ts, bundled). */
  readonly script: string
  /** BRIDGE_DEADLINE_MS: how long a click is held for its page's own click. */
  readonly deadlineMs: number
  /** Pages this instance holds a click for at once; beyond, the plain redirect. */
  readonly maxHeld?: number
  readonly now: () => number
  /** Records a held click as the plain click it was (the link is looked up again: it may have changed). */
  readonly record: (click: HeldClick) => void | Promise<void>
  readonly onError?: (error: unknown) => void
}

/** Why a visit's click was recorded, or was not (metrics and tests). */
export type BridgeClaimOutcome = 'recorded' | 'already_recorded'

/**
 * The first-contact bridge (docs/bridge.md): serves the page, holding the request's click
 * back under a one-time token, and settles each visit's click exactly once — by the page's
 * click (with the SDK's signals), its fallback link (plain), or the deadline (plain, the
 * held request), whichever claims the visit first.
 */
export class Bridge {
  readonly #tokens: BridgeTokens
  readonly #claims: BridgeClaims
  readonly #held: HeldClicks
  readonly #script: string
  readonly #headers: Readonly<Record<string, string>>
  readonly #now: () => number
  readonly #record: (click: HeldClick) => void | Promise<void>
  readonly #onError?: (error: unknown) => void
  readonly #settling = new Set<Promise<void>>()

  constructor(options: BridgeOptions) {
    this.#tokens = options.tokens
    this.#claims = options.claims
    this.#script = options.script
    this.#headers = bridgePageHeaders(options.script)
    this.#now = options.now
    this.#record = options.record
    this.#onError = options.onError
    this.#held = new HeldClicks({ deadlineMs: options.deadlineMs, max: options.maxHeld ?? 10_000, onDeadline: (click) => this.#track(this.#settle(click)) })
  }

  /** Whether a page can be served now: claims can be made and this instance may hold one more click. */
  ready(): boolean {
    return !this.#held.full && this.#claims.ready()
  }

  get held(): number {
    return this.#held.size
  }

  /** The page for this request, whose click is held from now on. */
  page(input: ClickInput, link: Link, referrerHost: string | null): { body: string; headers: Readonly<Record<string, string>> } {
    const { token, visit } = this.#tokens.issue(link.id, input.ts, referrerHost)
    this.#held.hold({ visit, slug: link.slug, domain: link.domain, input })
    return { body: bridgePage({ slug: link.slug, token, target: link.url }, this.#script), headers: this.#headers }
  }

  /** A request's `bridge` token: its visit when valid for this link now, else null (the request is an ordinary one). */
  visitOf(token: string, link: Link): BridgeVisit | null {
    return this.#tokens.verify(token, link.id, this.#now())
  }

  /**
   * Claims the visit for the request carrying its token. 'recorded': this request is the
   * visit's click (the caller records it). When the claim store cannot answer, the
   * instance holding the click decides (it records its own request's click) and every
   * other says 'already_recorded', so the holder's deadline is the one that records.
   */
  async claim(visit: BridgeVisit): Promise<BridgeClaimOutcome> {
    const mine = this.#held.take(visit.nonce) !== undefined
    try {
      return (await this.#claims.claim(visit.nonce)) ? 'recorded' : 'already_recorded'
    } catch (error) {
      this.#onError?.(error)
      return mine ? 'recorded' : 'already_recorded'
    }
  }

  /** Stopping: every held click is settled now (the claim, then the plain click), before the writer's last flush. */
  async close(): Promise<void> {
    for (const click of this.#held.takeAll()) this.#track(this.#settle(click))
    await Promise.all(this.#settling)
    await this.#claims.close()
  }

  /** The deadline passed (or the service stops) with no click from the page: the held request's plain click, unless one came elsewhere. */
  async #settle(click: HeldClick): Promise<void> {
    let won: boolean
    try {
      won = await this.#claims.claim(click.visit.nonce)
    } catch (error) {
      // The store cannot say; the holder records (the other instances refuse while it is down).
      this.#onError?.(error)
      won = true
    }
    if (won) await this.#record(click)
  }

  #track(settling: Promise<void>): void {
    const tracked = settling.catch((error: unknown) => this.#onError?.(error)).finally(() => this.#settling.delete(tracked))
    this.#settling.add(tracked)
  }
}
