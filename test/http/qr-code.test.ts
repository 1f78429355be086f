import QRCode from 'qrcode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../helpers/test-databases.js'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'

/**
 * The dark modules of qrcode's SVG, read back from its path ("M2 2.5h7m2 0h2…": each h is
 * a run of dark modules on row y-0.5), as a scanner would see them, minus the margin.
 */
function modulesOfSvg(svg: string, margin: number): boolean[][] {
  const viewBox = /viewBox="0 0 (\d+) (\d+)"/.exec(svg)
  const path = /<path stroke="#000000" d="([^"]+)"/.exec(svg)
  if (!viewBox || !path) throw new Error(`not a qrcode SVG: ${svg.slice(0, 200)}`)
  const n = Number(viewBox[1]) - 2 * margin
  const grid = Array.from({ length: n }, () => Array<boolean>(n).fill(false))
  let x = 0
  let y = 0
  for (const [, op, a, b] of path[1]!.matchAll(/([Mmh])([\d.]+)(?: ([\d.]+))?/g)) {
    if (op === 'M') [x, y] = [Number(a), Number(b)]
    else if (op === 'm') [x, y] = [x + Number(a), y + Number(b)]
    else {
      for (let i = 0; i < Number(a); i++) grid[Math.floor(y) - margin]![x + i - margin] = true
      x += Number(a)
    }
  }
  return grid
}

function modulesOf(text: string): boolean[][] {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' })
  return Array.from({ length: modules.size }, (_, r) => Array.from({ length: modules.size }, (_, c) => Boolean(modules.get(r, c))))
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) }
}

for (const dialect of DIALECTS) {
  describe(`QR codes on ${dialect}`, () => {
    let svc: TestService
    let userKey: string
    beforeAll(async () => {
      svc = await startTestService(dialect, { PUBLIC_URL: 'https://sho.rt' })
      userKey = await svc.addUser('user@example.com')
      const res = await svc.app.inject({ method: 'POST', url: '/api/links', headers: bearer(userKey), payload: { url: 'https://example.org/qr', slug: 'qr-me' } })
      expect(res.statusCode).toBe(201)
    }, 60_000)
    afterAll(() => svc.close())

    const qr = (query: string, key = userKey, slug = 'qr-me') => svc.app.inject({ url: `/api/links/${slug}/qr${query}`, headers: bearer(key) })

    it('draws the short URL as an SVG a scanner reads back', async () => {
      const res = await qr('?format=svg&margin=2')
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/)
      expect(res.headers['content-security-policy']).toBe("default-src 'none'")
      expect(res.body).not.toMatch(/<script|on\w+=/i)
      expect(modulesOfSvg(res.body, 2)).toEqual(modulesOf('https://sho.rt/qr-me'))
    })

    it('answers a PNG by default, as wide as asked, and the admin may have it too', async () => {
      const res = await qr('')
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toBe('image/png')
      expect(res.headers['content-disposition']).toBe('inline; filename="qr-me-qr.png"')
      expect(pngSize(res.rawPayload)).toEqual({ width: 256, height: 256 })
      const big = await qr('?format=png&size=1024&margin=0', svc.adminKey)
      expect(big.statusCode).toBe(200)
      expect(pngSize(big.rawPayload).width).toBe(1024)
    })

    it.each([
      ['?size=63', 'size'],
      ['?size=1025', 'size'],
      ['?size=100000000', 'size'],
      ['?size=-5', 'size'],
      ['?size=abc', 'size'],
      ['?size=1.5', 'size'],
      ['?margin=17', 'margin'],
      ['?margin=-1', 'margin'],
      ['?format=gif', 'format'],
      ['?format=svg&format=png', 'format'],
      ['?colour=red', 'colour'],
    ])('refuses %s with 400 VALIDATION_FAILED naming the field', async (query, field) => {
      const res = await qr(query)
      expect(res.statusCode).toBe(400)
      expect(res.json().error.code).toBe('VALIDATION_FAILED')
      expect(JSON.stringify(res.json().error)).toContain(field)
    })

    it("keeps a link's QR code to its owner and admins, like the link itself", async () => {
      const otherKey = await svc.addUser(`other-${dialect}@example.com`)
      expect((await qr('', otherKey)).json().error.code).toBe('LINK_NOT_FOUND')
      expect((await svc.app.inject({ url: '/api/links/qr-me/qr' })).statusCode).toBe(401)
      expect((await qr('', 'lp_not-a-key')).statusCode).toBe(401)
      expect((await qr('', userKey, 'nope')).statusCode).toBe(404)
      expect((await qr('', userKey, '..%2F..%2Fetc')).statusCode).toBe(404)
    })
  })
}
