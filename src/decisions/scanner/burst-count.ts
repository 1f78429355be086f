import { isMobileOs } from './mobile-os.js'

/** Distinct addresses a burst counts up to: this many in one burst window is a farm, whatever the requests (twice the default burstMin). */
const ADDRESSES_KEPT = 8

/**
 * Requests of a burst, and whether they look like a crowd of people rather than a farm:
 * - a phone or tablet among them. Gateways present desktop browsers — Chrome or Edge on
 *   Windows, headless Chrome on Linux (emdash #3298; opencollective #3656;
 *   laravel-passwordless-login #79) — and no documented one presents a phone; an office's, a
 *   household's or a carrier's people bring phones. (Desktop variety is no sign of people:
 *   a gateway's UA is its own choice, and it varies request to request, opencollective #3656.)
 * - few addresses for many requests. A farm's workers fetch from addresses all over its
 *   range, one or two requests each (Safe Links from 104.47.11.62, .126 and .254 in one day:
 *   SergeyMosin/Appointments #293; from three /24s of one /16: laravel-passwordless-login
 *   #79); an office leaves by one or two addresses for hundreds of people (its NAT keeps each
 *   host on one address, RFC 4787 "paired" pooling), a home by one.
 */
export class BurstCount {
  n = 1
  /** A phone or tablet was among the requests. */
  mobile = false
  /** Distinct addresses seen, up to ADDRESSES_KEPT. */
  addresses = 0
  readonly #seen: string[] = []

  constructor(os: string | null, address: string) {
    this.#see(os, address)
  }

  add(os: string | null, address: string): void {
    this.n++
    this.#see(os, address)
  }

  /**
   * A farm's spread: more addresses than an office's NAT has (three or more), and at most one
   * request in four from an address another request of the burst came from — or more
   * distinct addresses than any NAT shows in one burst window.
   */
  spread(): boolean {
    return this.addresses >= ADDRESSES_KEPT || (this.addresses >= 3 && 4 * this.addresses >= 3 * this.n)
  }

  #see(os: string | null, address: string): void {
    if (this.addresses < ADDRESSES_KEPT && !this.#seen.includes(address)) {
      this.#seen.push(address)
      this.addresses++
    }
    if (isMobileOs(os)) this.mobile = true
  }
}
