import type { ClickInput } from '../decisions/click-pipeline.js'
import type { BridgeVisit } from './bridge-token.js'

/** A bridge request's click, held back until its page's own click arrives or its deadline passes. */
export interface HeldClick {
  readonly visit: BridgeVisit
  readonly slug: string
  /** The link's short domain ('' the default): a slug is unique per domain. */
  readonly domain: string
  /** The bridge request itself (its time, address and headers): what the plain click would have been. */
  readonly input: ClickInput
}

/**
 * The clicks this instance holds for its bridge pages, each with a timer that hands it to
 * `onDeadline` (the visitor closed the tab before the page's click left). Bounded: when
 * full, the bridge is not served and the visit gets the plain redirect.
 */
export class HeldClicks {
  readonly #held = new Map<string, { click: HeldClick; timer: NodeJS.Timeout }>()
  readonly #deadlineMs: number
  readonly #max: number
  readonly #onDeadline: (click: HeldClick) => void

  constructor(options: { deadlineMs: number; max: number; onDeadline: (click: HeldClick) => void }) {
    this.#deadlineMs = options.deadlineMs
    this.#max = options.max
    this.#onDeadline = options.onDeadline
  }

  get size(): number {
    return this.#held.size
  }

  get full(): boolean {
    return this.#held.size >= this.#max
  }

  hold(click: HeldClick): void {
    const timer = setTimeout(() => {
      this.#held.delete(click.visit.nonce)
      this.#onDeadline(click)
    }, this.#deadlineMs)
    // A held click never keeps the process up: close() hands every one over.
    timer.unref()
    this.#held.set(click.visit.nonce, { click, timer })
  }

  /** The held click of this visit, if this instance holds it; it is no longer held. */
  take(nonce: string): HeldClick | undefined {
    const entry = this.#held.get(nonce)
    if (!entry) return undefined
    clearTimeout(entry.timer)
    this.#held.delete(nonce)
    return entry.click
  }

  /** Every held click, now (the service is stopping). */
  takeAll(): HeldClick[] {
    return [...this.#held.keys()].map((nonce) => this.take(nonce)!)
  }
}
