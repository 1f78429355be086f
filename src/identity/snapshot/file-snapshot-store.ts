import { open, readFile, rename, rm } from 'node:fs/promises'
import { crc32 } from 'node:zlib'
import { SnapshotUnusable } from './snapshot-format.js'
import type { IdentitySnapshotStore } from './snapshot-store.js'

const MAGIC = Buffer.from('LPIDSNAP')

/**
 * The snapshot as one file beside the SQLite database: a magic, then each part framed by
 * its length and CRC-32, so a truncated or damaged file is known as one. Written to
 * `<path>.tmp`, flushed to disk, then renamed over the previous one: a crash mid-write
 * leaves the previous snapshot (and a temp file the next write overwrites).
 */
export class FileSnapshotStore implements IdentitySnapshotStore {
  readonly where: string
  readonly #path: string

  constructor(path: string) {
    this.#path = path
    this.where = path
  }

  async read(): Promise<Buffer[] | null> {
    let file: Buffer
    try {
      file = await readFile(this.#path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw new SnapshotUnusable(`it cannot be read (${(error as Error).message})`)
    }
    if (file.length < MAGIC.length || !file.subarray(0, MAGIC.length).equals(MAGIC)) throw new SnapshotUnusable('it is not a snapshot file')
    const parts: Buffer[] = []
    for (let at = MAGIC.length; at < file.length; ) {
      if (at + 8 > file.length) throw new SnapshotUnusable('it is truncated')
      const length = file.readUInt32LE(at)
      const crc = file.readUInt32LE(at + 4)
      const part = file.subarray(at + 8, at + 8 + length)
      if (part.length !== length) throw new SnapshotUnusable('it is truncated')
      if (crc32(part) !== crc) throw new SnapshotUnusable(`it is corrupt (part ${parts.length} fails its checksum)`)
      parts.push(part)
      at += 8 + length
    }
    return parts
  }

  async write(parts: AsyncIterable<Buffer>): Promise<void> {
    const temp = `${this.#path}.tmp`
    const file = await open(temp, 'w')
    try {
      await file.write(MAGIC)
      const frame = Buffer.alloc(8)
      for await (const part of parts) {
        frame.writeUInt32LE(part.length, 0)
        frame.writeUInt32LE(crc32(part), 4)
        await file.write(frame)
        await file.write(part)
      }
      await file.sync()
    } catch (error) {
      await file.close()
      await rm(temp, { force: true })
      throw error
    }
    await file.close()
    await rename(temp, this.#path)
  }

  async discard(): Promise<void> {
    await rm(this.#path, { force: true })
  }
}
