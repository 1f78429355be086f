import { describe, expect, it } from 'vitest'
import { ClickWriter } from '../../src/storage/click-writer.js'
import type { ClickRecord } from '../../src/storage/storage.js'
import { clickRecord } from '../helpers/click-records.js'

const record = (ts: number): ClickRecord => clickRecord(1, ts)

describe('click writer pause', () => {
  it('holds writes, keeps the queue in order for the caller, and writes it all on resume', async () => {
    const written: number[] = []
    let release: () => void = () => {}
    const slow = new Promise<void>((resolve) => (release = resolve))
    let first = true
    const clicks = {
      async insertClicks(records: readonly ClickRecord[]) {
        if (first) {
          first = false
          await slow
        }
        written.push(...records.map((r) => r.click.ts))
      },
      async reclassifyClicks() {
        return 0
      },
    }
    const writer = new ClickWriter({ clicks }, { maxQueue: 100, maxBatch: 2, flushMs: 1 })
    writer.enqueue(record(1))
    writer.enqueue(record(2))
    // A batch is in flight; pause() waits for it to be stored.
    let paused = false
    const pausing = writer.pause().then(() => (paused = true))
    writer.enqueue(record(3))
    writer.enqueue(record(4))
    writer.enqueue(record(5))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(paused).toBe(false)
    release()
    await pausing
    expect(written).toEqual([1, 2])
    // Held: nothing more is written, whatever the queue's size or the timer.
    writer.enqueue(record(6))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(written).toEqual([1, 2])
    expect(writer.queued.map((r) => r.click.ts)).toEqual([3, 4, 5, 6])
    writer.queued[0]!.click.identity_source = 'cookie'
    // flush() waits for resume() rather than spinning.
    const flushed = writer.flush()
    writer.resume()
    await flushed
    expect(written).toEqual([1, 2, 3, 4, 5, 6])
    expect(writer.queued).toHaveLength(0)
  })
})
