/**
 * The one-time claim on a bridge visit: the first of the page's click, its fallback link
 * and the held click's deadline to claim the visit records it, the others record nothing.
 * Kept in Redis when REDIS_URL is set, so that a visit's requests may reach any instance.
 */
export interface BridgeClaims {
  /** True for the first claim of this nonce; false for every later one, on any instance. Rejects when the store cannot answer. */
  claim(nonce: string): Promise<boolean>
  /** Whether claims can be made now: the bridge is only served while they can (else the plain redirect). */
  ready(): boolean
  close(): Promise<void>
}
