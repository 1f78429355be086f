import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { base64url, sha256, sha256Base64url } from '../../src/sdk/browser/sha256.js'
import { MAX_FINGERPRINT, SDK_HASH } from '../../src/sessions/visitor-identifier.js'

/**
 * The SDK's hand-made SHA-256 is what a browser without crypto.subtle (plain http in a
 * LAN) hashes with: it must give node:crypto's digest for every length around the
 * padding boundaries, or one device would carry two hashes.
 */
describe('the SDK hash', () => {
  it('is SHA-256, bit for bit, across block boundaries', () => {
    for (const length of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 4096]) {
      const data = randomBytes(length)
      expect(Buffer.from(sha256(data)).toString('hex'), `length ${length}`).toBe(createHash('sha256').update(data).digest('hex'))
    }
    expect(Buffer.from(sha256(new TextEncoder().encode('abc'))).toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('encodes as unpadded base64url, as Node does', () => {
    for (const length of [0, 1, 2, 3, 4, 5, 31, 32, 33]) {
      const data = randomBytes(length)
      expect(base64url(data)).toBe(data.toString('base64url'))
    }
  })

  it('gives the same digest through crypto.subtle and without it, in the format the server accepts', async () => {
    const text = 'linkprint:device:v1|screen="1366x768"|timezone="Europe/Rome"|… ünïcödé'
    const viaSubtle = await sha256Base64url(text)
    const subtle = Object.getOwnPropertyDescriptor(globalThis, 'crypto')!
    Object.defineProperty(globalThis, 'crypto', { value: {}, configurable: true })
    let fallback: string
    try {
      fallback = await sha256Base64url(text)
    } finally {
      Object.defineProperty(globalThis, 'crypto', subtle)
    }
    expect(fallback).toBe(viaSubtle)
    expect(viaSubtle).toBe(createHash('sha256').update(text).digest('base64url'))
    expect(viaSubtle).toMatch(SDK_HASH)
    expect(viaSubtle.length).toBeLessThanOrEqual(MAX_FINGERPRINT)
  })
})
