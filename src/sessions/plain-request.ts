import type { HeaderRecord } from '../signals/header-record.js'

/**
 * A request as the session core needs it, whatever the framework: Fastify's, Node's
 * http.IncomingMessage, a fetch Request's headers copied into an object, a test's literal.
 */
export interface PlainRequest {
  readonly method: string
  /** Lower-case header names, as Node gives them. */
  readonly headers: HeaderRecord
  /** The client's address as the application trusts it (after its own proxy handling). */
  readonly ip: string
  /** Whether the request came over HTTPS (the device cookie is then `Secure`). */
  readonly secure?: boolean
  /** The path and query, for the source monitor's samples (the query is dropped there). */
  readonly url?: string
}
