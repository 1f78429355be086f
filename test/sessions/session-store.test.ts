import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { DatabaseSessionStore } from '../../src/sessions/database-session-store.js'
import { MemoryRateLimiter } from '../../src/sessions/memory-rate-limiter.js'
import type { RateLimiter } from '../../src/sessions/rate-limiter.js'
import { RedisRateLimiter } from '../../src/sessions/redis-rate-limiter.js'
import { RedisSessionStore } from '../../src/sessions/redis-session-store.js'
import type { NewSession, SessionStore } from '../../src/sessions/session-store.js'
import { openRepositories } from '../../src/storage/open-repositories.js'
import type { Repositories } from '../../src/storage/repositories.js'
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/test-databases.js'
import { openTestRedis, setupOrFailEach, shouldRunRedis, type TestRedis } from '../helpers/test-redis.js'

interface Backend {
  readonly name: string
  open(): Promise<{ store: SessionStore; limiter: RateLimiter; userId: number; close(): Promise<void> }>
}

const runRedis = await shouldRunRedis()

const BACKENDS: Backend[] = [
  {
    name: 'redis',
    async open() {
      const r: TestRedis = await openTestRedis()
      return { store: new RedisSessionStore(r.redis, { prefix: r.prefix }), limiter: new RedisRateLimiter(r.redis, { prefix: r.prefix }), userId: 7, close: () => r.drop() }
    },
  },
  ...DIALECTS.map((dialect): Backend => ({
    name: dialect,
    async open() {
      const db: TestDatabase = await createTestDatabase(dialect)
      const storage: Repositories = openRepositories(db.url)
      await storage.migrateUp()
      // sessions.user_id references users: the database store needs a real user.
      const user = await storage.users.createUser({ email: 'u@example.com', passwordHash: 'x', isAdmin: false, createdAt: 1 })
      const store = new DatabaseSessionStore(storage, { clock: { now: () => Date.now() }, sweepEveryMs: 0 })
      return {
        store, limiter: new MemoryRateLimiter(), userId: user.id,
        async close() {
          await store.close()
          await storage.close()
          await db.drop()
        },
      }
    },
  })),
]

const id = () => randomBytes(32).toString('base64url')

for (const backend of BACKENDS) {
  describe.skipIf(backend.name === 'redis' && !runRedis)(`session store on ${backend.name}`, () => {
    let store: SessionStore
    let limiter: RateLimiter
    let userId: number
    let close: () => Promise<void>
    setupOrFailEach(async () => {
      ;({ store, limiter, userId, close } = await backend.open())
    })
    afterAll(() => close?.())

    const now = Date.now()
    const session = (over: Partial<NewSession> = {}): NewSession => ({
      idHash: id(), userId, createdAt: now, expiresAt: now + 60_000, deviceHash: 'dev-hash', deviceCluster: 'cluster-1', ...over,
    })

    it('stores a session by its hash and reads every field back', async () => {
      const s = session()
      await store.create(s)
      expect(await store.find(s.idHash)).toEqual({ ...s, revokedAt: null, rotatedTo: null })
      const anonymous = session({ userId: null, deviceCluster: null })
      await store.create(anonymous)
      expect(await store.find(anonymous.idHash)).toEqual({ ...anonymous, revokedAt: null, rotatedTo: null })
      const unbound = session({ deviceHash: null, deviceCluster: null })
      await store.create(unbound)
      expect(await store.find(unbound.idHash)).toMatchObject({ deviceHash: null, deviceCluster: null })
      expect(await store.find(id())).toBeUndefined()
    })

    it('rotates a live session once: the old one is marked, the new one created', async () => {
      const old = session()
      await store.create(old)
      const next = session({ createdAt: now + 5 })
      expect(await store.rotate(old.idHash, next, now + 5)).toBe(true)
      expect(await store.find(old.idHash)).toMatchObject({ revokedAt: now + 5, rotatedTo: next.idHash })
      expect(await store.find(next.idHash)).toEqual({ ...next, revokedAt: null, rotatedTo: null })
      // A replayed old id cannot rotate again.
      const again = session()
      expect(await store.rotate(old.idHash, again, now + 6)).toBe(false)
      expect(await store.find(again.idHash)).toBeUndefined()
    })

    it('does not rotate unknown, expired or revoked sessions', async () => {
      const unknown = session()
      expect(await store.rotate(id(), unknown, now)).toBe(false)
      expect(await store.find(unknown.idHash)).toBeUndefined()
      const expired = session({ expiresAt: now + 10 })
      await store.create(expired)
      expect(await store.rotate(expired.idHash, session(), now + 10)).toBe(false)
      const revoked = session()
      await store.create(revoked)
      expect(await store.revoke(revoked.idHash, now + 1)).toBe(true)
      expect(await store.rotate(revoked.idHash, session(), now + 2)).toBe(false)
    })

    it('lets exactly one of concurrent rotations of the same id win', async () => {
      const old = session()
      await store.create(old)
      const nexts = Array.from({ length: 8 }, () => session())
      const results = await Promise.all(nexts.map((n) => store.rotate(old.idHash, n, now + 1)))
      expect(results.filter(Boolean)).toHaveLength(1)
      const winner = nexts[results.indexOf(true)]!
      expect((await store.find(old.idHash))?.rotatedTo).toBe(winner.idHash)
      for (const n of nexts) if (n !== winner) expect(await store.find(n.idHash)).toBeUndefined()
    })

    it('revokes once', async () => {
      const s = session()
      await store.create(s)
      expect(await store.revoke(s.idHash, now + 3)).toBe(true)
      expect(await store.revoke(s.idHash, now + 4)).toBe(false)
      expect(await store.find(s.idHash)).toMatchObject({ revokedAt: now + 3 })
      expect(await store.revoke(id(), now)).toBe(false)
    })

    it('counts hits in fixed windows and peeks without counting', async () => {
      const key = `k-${id()}`
      const t = Date.now()
      expect((await limiter.peek(key, t)).count).toBe(0)
      expect((await limiter.hit(key, 300, t)).count).toBe(1)
      const second = await limiter.hit(key, 300, t)
      expect(second.count).toBe(2)
      expect(second.resetAt).toBeGreaterThan(t)
      expect(second.resetAt).toBeLessThanOrEqual(t + 300)
      expect((await limiter.peek(key, t)).count).toBe(2)
      // Redis times the window by its own clock: wait it out for real.
      await new Promise((r) => setTimeout(r, 350))
      expect((await limiter.hit(key, 300, Date.now())).count).toBe(1)
    })
  })
}

describe.skipIf(!runRedis)('redis session store specifics', () => {
  let r: TestRedis
  setupOrFailEach(async () => {
    r = await openTestRedis()
  })
  afterAll(() => r?.drop())

  it('expires keys a day after the session (so replays are still recognised), and stores no raw id', async () => {
    const store = new RedisSessionStore(r.redis, { prefix: r.prefix })
    const expiresAt = Date.now() + 3_600_000
    const s: NewSession = { idHash: id(), userId: 1, createdAt: Date.now(), expiresAt, deviceHash: null, deviceCluster: null }
    await store.create(s)
    const ttl = await r.redis.pttl(`${r.prefix}session:${s.idHash}`)
    expect(ttl).toBeGreaterThan(expiresAt + 23 * 3_600_000 - Date.now())
    expect(ttl).toBeLessThanOrEqual(expiresAt + 24 * 3_600_000 - Date.now() + 1000)
    const next: NewSession = { ...s, idHash: id() }
    expect(await store.rotate(s.idHash, next, Date.now())).toBe(true)
    expect(await r.redis.pttl(`${r.prefix}session:${next.idHash}`)).toBeGreaterThan(0)
    const keys = await r.redis.keys(`${r.prefix}*`)
    expect(keys.sort()).toEqual([`${r.prefix}session:${s.idHash}`, `${r.prefix}session:${next.idHash}`].sort())
  })
})
