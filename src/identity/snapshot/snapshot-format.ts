import { setImmediate as yieldToRedirects } from 'node:timers/promises'
import { deserialize, serialize } from 'node:v8'
import { emptyEntities, emptyKeys, ENTITY_FIELDS, KEY_FIELDS, type ExportedSightings, type IdentityStateExport } from '../identity-state-export.js'

/** Bumped when the layout below changes: a snapshot of another format is not read. */
export const SNAPSHOT_FORMAT = 1

/** What a snapshot says about itself, in its first part. */
export interface SnapshotMeta {
  readonly format: number
  /** The fingerprint algorithm version of the state (fingerprints.ts): a snapshot of another one is not loaded. */
  readonly fingerprintVersion: number
  /** The last click the state reflects, and its time: a database that does not hold that click is not this snapshot's. */
  readonly upToClickId: number
  readonly upToClickTs: number
  readonly writtenAt: number
  readonly entities: number
}

/** Why a snapshot cannot be used; the loader says it in its log line and loads the database instead. */
export class SnapshotUnusable extends Error {}

/**
 * Items per part. Each part is one v8.serialize call (~10 ms for 10 000 entities), with
 * the event loop free between parts, so writing a snapshot never holds redirects up for long.
 */
const SLICE = 10_000

const INDEXES = ['byAddress', 'byPrefix', 'bySdkDevice', 'bySdkBrowser'] as const

type Part =
  | { part: 'meta'; meta: SnapshotMeta; sweepAt: number; withdrawn: IdentityStateExport['withdrawn']; provisional: IdentityStateExport['provisional'] }
  | { part: 'entities'; columns: unknown[][] }
  | { part: 'keys'; columns: unknown[][] }
  | ({ part: (typeof INDEXES)[number] } & ExportedSightings)
  | { part: 'sdkDevices' | 'sdkBrowsers'; uses: IdentityStateExport['sdkDevices'] }
  | { part: 'end'; parts: number }

/** Rows [from, to) of every column. */
function sliceColumns(columns: Record<string, unknown[]>, fields: readonly string[], from: number, to: number): unknown[][] {
  return fields.map((f) => columns[f]!.slice(from, to))
}

function append(into: unknown[], from: readonly unknown[]): void {
  for (let i = 0; i < from.length; i++) into.push(from[i])
}

/**
 * A state export as a sequence of self-describing parts (node:v8 serialization of plain
 * arrays, the fastest to read back of what was measured: see docs/identity-operations.md),
 * produced a slice at a time with the event loop free in between. The last part counts
 * the parts, so a truncated snapshot is known as one.
 */
export async function* encodeSnapshot(meta: SnapshotMeta, content: IdentityStateExport): AsyncGenerator<Buffer> {
  let parts = 0
  const emit = (part: Part) => {
    parts++
    return serialize(part)
  }
  yield emit({ part: 'meta', meta, sweepAt: content.sweepAt, withdrawn: content.withdrawn, provisional: content.provisional })
  const entities = content.entities as unknown as Record<string, unknown[]>
  for (let i = 0; i < content.entities.key.length; i += SLICE) {
    yield emit({ part: 'entities', columns: sliceColumns(entities, ENTITY_FIELDS, i, i + SLICE) })
    await yieldToRedirects()
  }
  const keys = content.keys as unknown as Record<string, unknown[]>
  for (let i = 0; i < content.keys.key.length; i += SLICE) {
    yield emit({ part: 'keys', columns: sliceColumns(keys, KEY_FIELDS, i, i + SLICE) })
    await yieldToRedirects()
  }
  for (const index of INDEXES) {
    const s = content[index]
    for (let i = 0, at = 0; i < s.ids.length; i += SLICE) {
      const counts = s.counts.slice(i, i + SLICE)
      const n = counts.reduce((sum, c) => sum + c, 0)
      yield emit({ part: index, ids: s.ids.slice(i, i + SLICE), counts, keys: s.keys.slice(at, at + n), ts: s.ts.slice(at, at + n) })
      at += n
      await yieldToRedirects()
    }
  }
  for (const which of ['sdkDevices', 'sdkBrowsers'] as const) {
    for (let i = 0; i < content[which].length; i += SLICE) {
      yield emit({ part: which, uses: content[which].slice(i, i + SLICE) })
      await yieldToRedirects()
    }
  }
  yield serialize({ part: 'end', parts } satisfies Part)
}

/** The meta part alone: whether the rest is worth reading. */
export function decodeMeta(first: Buffer): SnapshotMeta {
  const part = deserializePart(first)
  if (part.part !== 'meta') throw new SnapshotUnusable('it does not start with its description')
  return part.meta
}

/** A whole snapshot back; SnapshotUnusable when it is truncated, corrupt or of another format. */
export function decodeSnapshot(chunks: readonly Buffer[]): { meta: SnapshotMeta; content: IdentityStateExport } {
  if (chunks.length === 0) throw new SnapshotUnusable('it is empty')
  const head = deserializePart(chunks[0]!)
  if (head.part !== 'meta') throw new SnapshotUnusable('it does not start with its description')
  if (head.meta.format !== SNAPSHOT_FORMAT) throw new SnapshotUnusable(`it is of format ${head.meta.format}, this version reads ${SNAPSHOT_FORMAT}`)
  const entities = emptyEntities()
  const keys = emptyKeys()
  const sightings: Record<(typeof INDEXES)[number], ExportedSightings> = {
    byAddress: { ids: [], counts: [], keys: [], ts: [] }, byPrefix: { ids: [], counts: [], keys: [], ts: [] }, bySdkDevice: { ids: [], counts: [], keys: [], ts: [] }, bySdkBrowser: { ids: [], counts: [], keys: [], ts: [] },
  }
  const columns = (into: object, fields: readonly string[], from: unknown[][]) => {
    if (from.length !== fields.length) throw new SnapshotUnusable('it is corrupt (a part with other columns)')
    fields.forEach((f, i) => append((into as Record<string, unknown[]>)[f]!, from[i]!))
  }
  const uses: Pick<IdentityStateExport, 'sdkDevices' | 'sdkBrowsers'> = { sdkDevices: [], sdkBrowsers: [] }
  let ended = false
  for (let i = 1; i < chunks.length; i++) {
    const part = deserializePart(chunks[i]!)
    switch (part.part) {
      case 'entities': columns(entities, ENTITY_FIELDS, part.columns); break
      case 'keys': columns(keys, KEY_FIELDS, part.columns); break
      case 'byAddress': case 'byPrefix': case 'bySdkDevice': case 'bySdkBrowser': {
        const s = sightings[part.part]
        append(s.ids, part.ids)
        append(s.counts, part.counts)
        append(s.keys, part.keys)
        append(s.ts, part.ts)
        break
      }
      case 'sdkDevices': case 'sdkBrowsers': for (const u of part.uses) uses[part.part].push(u); break
      case 'end':
        if (part.parts !== i || i !== chunks.length - 1) throw new SnapshotUnusable(`it is truncated (${i} of ${part.parts} parts)`)
        ended = true
        break
      default: throw new SnapshotUnusable('it holds a part this version does not know')
    }
  }
  if (!ended) throw new SnapshotUnusable('it is truncated (no end)')
  return {
    meta: head.meta,
    content: { entities, keys, ...sightings, ...uses, provisional: head.provisional, withdrawn: head.withdrawn, sweepAt: head.sweepAt },
  }
}

function deserializePart(chunk: Buffer): Part {
  let part: unknown
  try {
    part = deserialize(chunk)
  } catch (error) {
    throw new SnapshotUnusable(`it is corrupt (${error instanceof Error ? error.message : String(error)})`)
  }
  if (typeof part !== 'object' || part === null || typeof (part as { part?: unknown }).part !== 'string') throw new SnapshotUnusable('it is corrupt (a part without its name)')
  return part as Part
}
