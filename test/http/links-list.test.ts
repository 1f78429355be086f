import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

/** GET /api/links beyond paging: search (q), stats in the list (include=stats), owners for admins. */
for (const dialect of DIALECTS) {
  describe(`link list on ${dialect}`, () => {
    let svc: TestService
    let userKey: string
    beforeAll(async () => {
      svc = await startTestService(dialect, { PUBLIC_URL: 'https://sho.rt' })
      userKey = await svc.addUser('user@example.com')
      const create = (key: string, body: object) => svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(key), payload: body })
      for (const [key, body] of [
        [svc.adminKey, { url: 'https://example.org/offers/Spring', slug: 'spring_sale', tags: ['promo'] }],
        [svc.adminKey, { url: 'https://example.org/100%25-off', slug: 'pct', tags: ['promo'] }],
        [svc.adminKey, { url: 'https://news.example/a', slug: 'news1' }],
        [userKey, { url: 'https://example.org/users-spring', slug: 'user-spring' }],
      ] as const) expect((await create(key, body)).statusCode).toBe(201)
    })
    afterAll(() => svc.close())

    const list = (query: string, key = svc.adminKey) => svc.app.inject({ method: 'GET', url: `/api/links${query}`, headers: bearer(key) })
    const slugsOf = (res: { json(): { links: Array<{ slug: string }> } }) => res.json().links.map((l) => l.slug)

    it('searches slug and URL case-insensitively, within the caller\'s links, with tag and cursor', async () => {
      expect(slugsOf(await list('?q=SPRING'))).toEqual(['spring_sale'])
      expect(slugsOf(await list('?q=spring&all=true'))).toEqual(['user-spring', 'spring_sale'])
      expect(slugsOf(await list('?q=spring', userKey))).toEqual(['user-spring'])
      expect(slugsOf(await list('?q=example.org&tag=promo'))).toEqual(['pct', 'spring_sale'])
      const first = (await list('?q=example.org&limit=1')).json()
      expect(first.links.map((l: { slug: string }) => l.slug)).toEqual(['pct'])
      expect(slugsOf(await list(`?q=example.org&limit=1&cursor=${first.nextCursor}`))).toEqual(['spring_sale'])
      // An emptied search box is no search.
      expect(slugsOf(await list('?q=%20%20'))).toHaveLength(3)
    })

    it('takes LIKE wildcards in q literally (no wildcard injection)', async () => {
      expect(slugsOf(await list('?q=%25'))).toEqual(['pct'])
      expect(slugsOf(await list('?q=_'))).toEqual(['spring_sale'])
      expect(slugsOf(await list('?q=%25%25'))).toEqual([])
      expect(slugsOf(await list(`?q=${encodeURIComponent("%' OR '1'='1")}`))).toEqual([])
      expect(slugsOf(await list(`?q=${encodeURIComponent('\\')}`))).toEqual([])
    })

    it.each([
      ['a huge q', `?q=${'a'.repeat(10_000)}`],
      ['a q one over the bound', `?q=${'a'.repeat(201)}`],
      ['a control character in q', '?q=a%00b'],
      ['a newline in q', '?q=a%0Ab'],
      ['an unknown include', '?include=everything'],
      ['two includes', '?include=stats&include=stats'],
    ])('refuses %s with VALIDATION_FAILED', async (_, query) => {
      const res = await list(query)
      expect([res.statusCode, res.json().error.code]).toEqual([400, 'VALIDATION_FAILED'])
    })

    it('adds each link\'s stats with include=stats, the same as the stats route', async () => {
      for (let i = 0; i < 3; i++) await svc.app.inject({ method: 'GET', url: '/news1', headers: { host: 'sho.rt', 'user-agent': `Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.${i}`, 'x-forwarded-for': `10.0.${i}.1` } })
      await svc.app.inject({ method: 'GET', url: '/news1', headers: { host: 'sho.rt', 'user-agent': 'curl/8.0' } })
      await svc.linkprint.writer.flush()
      const res = await list('?include=stats')
      expect(res.statusCode).toBe(200)
      const links = res.json().links as Array<{ slug: string; stats: Record<string, unknown> }>
      for (const link of links) {
        const single = (await svc.app.inject({ method: 'GET', url: `/api/links/${link.slug}/stats`, headers: bearer(svc.adminKey) })).json()
        expect(link.stats).toEqual(single)
      }
      expect(links.find((l) => l.slug === 'news1')!.stats).toMatchObject({ clicks: 3, botClicks: 1 })
      expect(Object.keys(links[0]!.stats).sort()).toEqual(['avgConfidence', 'botClicks', 'browserUniqueClicks', 'clicks', 'deviceUniqueClicks', 'slug'])
      // Opt-in: without it the list stays as it was.
      expect((await list('')).json().links[0]).not.toHaveProperty('stats')
    })

    it('gives admins listing all links each link\'s owner; nobody else sees owners', async () => {
      const all = (await list('?all=true')).json().links as Array<{ slug: string; owner: unknown }>
      expect(all.find((l) => l.slug === 'user-spring')!.owner).toEqual({ id: expect.any(Number), email: 'user@example.com' })
      expect(all.find((l) => l.slug === 'pct')!.owner).toEqual({ id: expect.any(Number), email: 'admin@example.com' })
      expect((await list('')).json().links[0]).not.toHaveProperty('owner')
      const own = await list('?include=stats', userKey)
      expect(JSON.stringify(own.json())).not.toContain('admin@example.com')
      expect(own.json().links[0]).not.toHaveProperty('owner')
    })

    it('refuses all=true to a plain user (403), rather than quietly narrowing it', async () => {
      const res = await list('?all=true&include=stats', userKey)
      expect([res.statusCode, res.json().error.code]).toEqual([403, 'FORBIDDEN'])
      expect(res.body).not.toContain('admin@example.com')
      expect((await list('?all=false', userKey)).statusCode).toBe(200)
    })
  })
}
