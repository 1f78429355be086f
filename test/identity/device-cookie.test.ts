import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DeviceCookie } from '../../src/identity/device-cookie.js'

const KEY = Buffer.from('device-cookie-test-key-device-cookie')
const cookie = new DeviceCookie(KEY)
const T = Date.parse('2026-11-22T05:00:00Z')

describe('device_fp ids', () => {
  it('are 22 cookie-safe characters and never repeat', () => {
    const ids = new Set<string>()
    for (let i = 0; i < 5_000; i++) ids.add(cookie.newId(T))
    expect(ids.size).toBe(5_000)
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })

  it('sort as text in the order they were issued, so their index rows grow at the end', () => {
    const times = [0, 1, 61, 62, 63, 64, 4095, T - 86_400_000, T, T + 1, T + 3_600_000, 62 ** 8 - 1]
    const ids = times.map((t) => cookie.newId(t))
    expect([...ids].sort()).toEqual(ids)
  })

  it('never begin with a character a spreadsheet reads as a formula, so exports need not escape them', () => {
    for (const t of [0, T, Date.parse('2100-01-01T00:00:00Z'), 2 ** 53]) expect(cookie.newId(t)).toMatch(/^[0-9A-Za-z]/)
  })

  it('issues a valid id for a clock that is not a number', () => {
    const id = cookie.newId(Number.NaN)
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(cookie.verify(cookie.sign(id))).toBe(id)
  })

  it('signs with SHA-256(key ‖ id), so cookies issued by earlier versions stay valid', () => {
    for (const id of ['M-byifw64YReruhnoTJKQQ', cookie.newId(T), 'ünïcødé-ids-are-forged']) {
      const mac = createHash('sha256').update(KEY).update(id).digest('base64url').slice(0, 22)
      expect(cookie.sign(id)).toBe(`${id}.${mac}`)
    }
    const long = 'x'.repeat(40)
    expect(cookie.sign(long)).toBe(`${long}.${createHash('sha256').update(KEY).update(long).digest('base64url').slice(0, 22)}`)
  })

  it('sets a verified cookie again as it came: the header of its value is the header of its id', () => {
    for (let i = 0; i < 50; i++) {
      const signed = cookie.sign(cookie.newId(T + i))
      for (const secure of [false, true]) expect(cookie.signedHeader(signed, secure)).toBe(cookie.header(cookie.verify(signed)!, secure))
    }
  })

  it('verifies its own signature and nothing else', () => {
    const id = cookie.newId(T)
    const signed = cookie.sign(id)
    expect(cookie.verify(signed)).toBe(id)
    const other = new DeviceCookie(Buffer.from('another-key-another-key-another-key'))
    expect(other.verify(signed)).toBeNull()
    const flipped = signed.slice(0, -1) + (signed.endsWith('A') ? 'B' : 'A')
    expect(cookie.verify(flipped)).toBeNull()
    expect(cookie.verify(`${id}.`)).toBeNull()
  })
})
