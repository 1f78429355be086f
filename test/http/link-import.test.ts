import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

const FUTURE = new Date(Date.now() + 30 * 86_400_000).toISOString()

for (const dialect of DIALECTS) {
  describe(`bulk import on ${dialect}`, () => {
    let svc: TestService
    let userKey: string
    beforeAll(async () => {
      svc = await startTestService(dialect, { PUBLIC_URL: 'https://sho.rt' })
      userKey = await svc.addUser('user@example.com')
      expect((await svc.app.inject({ method: 'POST', url: '/api/domains', headers: bearer(svc.adminKey), payload: { host: 'go.example.com' } })).statusCode).toBe(201)
    }, 60_000)
    afterAll(() => svc.close())

    const importBody = (body: string | Buffer, type = 'text/csv', key = userKey) =>
      svc.app.inject({ method: 'POST', url: '/api/links/import', headers: { ...bearer(key), 'content-type': type }, payload: body })
    const slugsOf = async (key = userKey) => ((await svc.app.inject({ url: '/api/links?limit=200', headers: bearer(key) })).json().links as Array<{ slug: string; domain: string }>).map((l) => `${l.domain}/${l.slug}`).sort()

    it('imports a CSV with every column, reports bad lines by their number, and a second import changes nothing', async () => {
      const csv = [
        'url,slug,tags,expiresAt,maxClicks,redirectStatus,domain',
        `https://example.org/a,csv-a,"news, spring",${FUTURE},5,301,`,
        'https://example.org/b,csv-b,,,,,go.example.com',
        'javascript:alert(1),csv-bad,,,,,',
        'https://example.org/c,csv-c,,yesterday,,,',
        'https://example.org/d,dashboard,,,,,',
        'https://example.org/e,csv-e,,,0,,',
        'https://example.org/f,csv-f,,,,303,',
        'https://example.org/g,csv-g,,,,,nope.example',
        'https://example.org/h,csv-a,,,,,',
        '"https://example.org/i,with-comma",csv-i,,,,,',
        'https://sho.rt/loop,csv-loop,,,,,',
        'https://example.org/j,,,,,,',
      ].join('\n')
      const first = await importBody(csv)
      expect(first.statusCode).toBe(200)
      expect(first.json()).toEqual({
        created: 4,
        skipped: 1,
        failedCount: 7,
        failed: [
          { line: 4, code: 'URL_SCHEME_NOT_ALLOWED', message: expect.any(String) },
          { line: 5, code: 'VALIDATION_FAILED', message: 'expiresAt must be an ISO 8601 date-time' },
          { line: 6, code: 'SLUG_RESERVED', message: expect.any(String) },
          { line: 7, code: 'VALIDATION_FAILED', message: 'maxClicks must be 1 or more' },
          { line: 8, code: 'VALIDATION_FAILED', message: expect.stringContaining('redirectStatus') },
          { line: 9, code: 'UNKNOWN_DOMAIN', message: expect.any(String) },
          { line: 12, code: 'URL_SELF_REFERENCE', message: expect.any(String) },
        ],
      })
      const a = (await svc.app.inject({ url: '/api/links/csv-a', headers: bearer(userKey) })).json()
      expect(a).toMatchObject({ url: 'https://example.org/a', tags: ['news', 'spring'], maxClicks: 5, redirectStatus: 301, expiresAt: FUTURE, shortUrl: 'https://sho.rt/csv-a' })
      expect((await svc.app.inject({ url: '/api/links/csv-b?domain=go.example.com', headers: bearer(userKey) })).json().shortUrl).toBe('https://go.example.com/csv-b')
      expect((await svc.app.inject({ url: '/api/links/csv-i', headers: bearer(userKey) })).json().url).toBe('https://example.org/i,with-comma')
      const redirect = await svc.app.inject({ url: '/csv-b', headers: { host: 'go.example.com' } })
      expect(redirect.headers.location).toBe('https://example.org/b')

      const before = await slugsOf()
      const again = await importBody(csv.split('\n').slice(0, -1).join('\n'))
      expect(again.json()).toMatchObject({ created: 0, skipped: 4, failedCount: 7 })
      expect(await slugsOf()).toEqual(before)
    })

    it('imports NDJSON, numbering lines from 1 and skipping blank ones', async () => {
      const ndjson = [
        JSON.stringify({ url: 'https://example.org/n1', slug: 'nd-1', tags: ['x', 'y'] }),
        '',
        '{"url": "https://example.org/n2", "slug": "nd-2", "maxClicks": 3}',
        '{not json',
        '[1,2]',
        JSON.stringify({ url: 'https://example.org/n3', slug: 'nd-3', colour: 'red' }),
        JSON.stringify({ url: 42 }),
      ].join('\n')
      const res = await importBody(ndjson, 'application/x-ndjson')
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({
        created: 2,
        skipped: 0,
        failed: [
          { line: 4, code: 'INVALID_JSON' },
          { line: 5, code: 'VALIDATION_FAILED' },
          { line: 6, code: 'VALIDATION_FAILED', message: 'unknown field "colour"' },
          { line: 7, code: 'VALIDATION_FAILED', message: 'url must be text' },
        ],
      })
      expect((await svc.app.inject({ url: '/api/links/nd-1', headers: bearer(userKey) })).json().tags).toEqual(['x', 'y'])
    })

    it('refuses a CSV whose header is not linkprint\'s before writing anything', async () => {
      const count = (await slugsOf()).length
      for (const header of ['link,slug', 'url,slug,url', 'slug,tags', 'url,colour', '']) {
        const res = await importBody(`${header}\nhttps://example.org/never,never-${header.length}`)
        expect([res.statusCode, res.json().error.code], header).toEqual([400, 'INVALID_CSV'])
      }
      expect((await slugsOf()).length).toBe(count)
    })

    it('fails a huge line alone, and a broken CSV line by its number, and reads on', async () => {
      const csv = ['url,slug', 'https://example.org/ok1,big-1', `https://example.org/${'x'.repeat(20_000)},big-2`, 'https://example.org/ok3,big-3', 'https://example.org/ok4,big-4,extra', 'https://example.org/ok5,big-5'].join('\n')
      const res = await importBody(csv)
      expect(res.json()).toMatchObject({
        created: 3,
        failed: [
          { line: 3, code: 'LINE_TOO_LONG' },
          { line: 5, code: 'INVALID_CSV' },
        ],
      })
      const endless = await importBody(Buffer.concat([Buffer.from('url,slug\n'), Buffer.alloc(2_000_000, 'a')]))
      expect(endless.json()).toMatchObject({ created: 0, failed: [{ line: 2, code: 'LINE_TOO_LONG' }] })
    })

    it('refuses other content types, a declared size beyond the limit, and anyone not signed in', async () => {
      const json = await svc.app.inject({ method: 'POST', url: '/api/links/import', headers: bearer(userKey), payload: { url: 'https://example.org/' } })
      expect([json.statusCode, json.json().error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE'])
      const plain = await importBody('url\nhttps://example.org/', 'text/plain')
      expect([plain.statusCode, plain.json().error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE'])
      const anonymous = await svc.app.inject({ method: 'POST', url: '/api/links/import', headers: { 'content-type': 'text/csv' }, payload: 'url\nhttps://example.org/anon' })
      expect(anonymous.statusCode).toBe(401)
      const huge = await svc.app.inject({ method: 'POST', url: '/api/links/import', headers: { ...bearer(userKey), 'content-type': 'text/csv', 'content-length': String(300 * 1024 * 1024) }, payload: 'url\n' })
      expect([huge.statusCode, huge.json().error.code]).toEqual([413, 'IMPORT_TOO_LARGE'])
      // The other routes still take JSON only.
      const csvLink = await svc.app.inject({ method: 'POST', url: '/api/links', headers: { ...bearer(userKey), 'content-type': 'text/csv' }, payload: 'url\nhttps://example.org/' })
      expect(csvLink.statusCode).toBe(415)
    })

    it('gives each user their own links, and the same slug on another domain is another link', async () => {
      const otherKey = await svc.addUser(`other-${dialect}@example.com`)
      const res = await importBody('url,slug,domain\nhttps://example.org/o,csv-a,go.example.com\nhttps://example.org/p,csv-a,', 'text/csv', otherKey)
      expect(res.json()).toMatchObject({ created: 1, skipped: 1 })
      expect(await slugsOf(otherKey)).toEqual(['go.example.com/csv-a'])
    })
  })
}
