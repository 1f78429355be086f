/**
 * The request headers as the signals stage reads them: lower-case names, as Node's
 * `IncomingHttpHeaders` and a replayed event both provide. Typed as the slice we need so
 * the stage depends on neither the HTTP server nor the replay reader.
 */
export type HeaderRecord = Readonly<Record<string, string | string[] | undefined>>

/**
 * A header that must have one value: the value, or undefined when absent, repeated
 * (Node keeps repeats of unknown headers as one comma-joined string, so a `string[]`
 * here means a transport that kept them apart) or longer than `max`. Repeated and
 * oversized values are refused rather than guessed at: they only come from broken or
 * hostile clients.
 */
export function singleHeader(headers: HeaderRecord, name: string, max: number): string | undefined {
  const value = headers[name]
  if (typeof value === 'string') return value.length <= max ? value : undefined
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string' && value[0].length <= max) return value[0]
  // Anything else, including non-strings from a replayed event's JSON, is no value.
  return undefined
}
