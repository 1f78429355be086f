import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/config.js'
import { buildApp } from '../../src/http/app.js'
import { createLinkprint, type Linkprint } from '../../src/linkprint.js'
import { ClickWriter } from '../../src/storage/click-writer.js'
import { openRepositories } from '../../src/storage/open-repositories.js'
import type { Repositories } from '../../src/storage/repositories.js'
import type { ClickRecord } from '../../src/storage/storage.js'
import { clickRecord } from '../helpers/click-records.js'
import { createTestDatabase, type TestDatabase } from '../helpers/test-databases.js'

/** A real SQLite storage whose writes can be held back, as a slow disk or a locked database would. */
function slowStorage(storage: Repositories) {
  let release: () => void = () => {}
  let gate = Promise.resolve()
  const batches: number[] = []
  const insertClicks = async (records: readonly ClickRecord[]) => {
    await gate
    batches.push(records.length)
    return storage.clicks.insertClicks(records)
  }
  const clicks = new Proxy(storage.clicks, {
    get(target, prop) {
      if (prop === 'insertClicks') return insertClicks
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  const wrapped = new Proxy(storage, {
    get(target, prop) {
      if (prop === 'clicks') return clicks
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return {
    storage: wrapped,
    batches,
    hold() {
      gate = new Promise((r) => (release = r))
    },
    release: () => release(),
  }
}

describe('click writer', () => {
  let db: TestDatabase
  let linkprint: Linkprint | undefined
  afterEach(async () => {
    await linkprint?.close()
    await db.drop()
  })

  it('answers redirects when the queue is full and counts every lost click', async () => {
    db = await createTestDatabase('sqlite')
    const real = openRepositories(db.url)
    const slow = slowStorage(real)
    linkprint = await createLinkprint(loadConfig({ DATABASE_URL: db.url, SECRET: 's'.repeat(20), CLICK_QUEUE_MAX: '5', CLICK_BATCH_MAX: '2' }), { storage: slow.storage })
    const admin = await linkprint.auth.createUser('a@example.com', 'password1', true)
    await linkprint.links.create(admin, { url: 'https://example.org/', slug: 'busy' })
    const app = await buildApp(linkprint)
    slow.hold()
    const statuses = []
    for (let i = 0; i < 20; i++) statuses.push((await app.inject({ method: 'GET', url: '/busy', headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0' } })).statusCode)
    expect(statuses.every((s) => s === 302)).toBe(true)
    const metrics = await app.inject({ method: 'GET', url: '/metrics' })
    const dropped = Number(/linkprint_clicks_dropped_total\{reason="queue_full"\} (\d+)/.exec(metrics.body)?.[1])
    // One batch of 2 is held in flight, 5 wait in the queue: the other 13 are lost, and counted.
    expect(dropped).toBe(13)
    slow.release()
    await linkprint.writer.flush()
    expect(await real.clicks.countClicks()).toBe(20 - dropped)
    await app.close()
  })

  it('writes in batches no larger than the limit, one transaction each', async () => {
    db = await createTestDatabase('sqlite')
    const real = openRepositories(db.url)
    await real.migrateUp()
    const slow = slowStorage(real)
    const writer = new ClickWriter(slow.storage, { maxQueue: 1000, maxBatch: 100, flushMs: 10 })
    for (let i = 0; i < 350; i++) {
      writer.enqueue(clickRecord(1, i))
    }
    await writer.close()
    expect(slow.batches.every((n) => n <= 100)).toBe(true)
    expect(slow.batches.reduce((a, b) => a + b, 0)).toBe(350)
    expect(writer.enqueue({} as ClickRecord)).toBe(false)
    await real.close()
  })
})
