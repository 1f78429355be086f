import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { canonicalComponents, deviceComponents, type DeviceReadings } from '../../src/sdk/browser/device-components.js'
import { sha256Base64url } from '../../src/sdk/browser/sha256.js'
import { SDK_HASH_VERSION, sdkHashVersion, versionedHash } from '../../src/sdk/sdk-hash-format.js'
import { SDK_HASH } from '../../src/sessions/visitor-identifier.js'

/** A laptop as Chromium reports it in a normal window. */
const LAPTOP: DeviceReadings = {
  screenWidth: 1536, screenHeight: 864, devicePixelRatio: 1.25, timezone: 'Europe/Rome',
  hardwareConcurrency: 12, os: 'windows', languages: ['it-IT', 'en-US'], maxTouchPoints: 10,
}

describe('the device hash canonicalisation (SDK version 2)', () => {
  it('folds what Chromium and Firefox, normal and private, report of one device to the same components', () => {
    const chromium = deviceComponents(LAPTOP)
    // Firefox private: cores tiered by its fingerprinting protection, touch points collapsed,
    // a float's noise on the pixel ratio, its own language list after the OS language.
    const firefoxPrivate = deviceComponents({ ...LAPTOP, hardwareConcurrency: 8, maxTouchPoints: 1, devicePixelRatio: 1.2500000596, languages: ['it', 'en'] })
    expect(firefoxPrivate).toEqual(chromium)
    expect(chromium).toEqual({ screen: '1536x864', dpr: 1.25, timezone: 'Europe/Rome', cores: 8, os: 'windows', language: 'it', touch: true })
    // Fewer than 8 cores is one tier, whatever Firefox's protection rounds them to.
    expect(deviceComponents({ ...LAPTOP, hardwareConcurrency: 2 }).cores).toBe(deviceComponents({ ...LAPTOP, hardwareConcurrency: 4 }).cores)
  })

  it('is the same phone upright and sideways, and another device with another screen, ratio, zone or language', () => {
    const phone: DeviceReadings = { screenWidth: 412, screenHeight: 915, devicePixelRatio: 2.625, timezone: 'Europe/Berlin', hardwareConcurrency: 8, os: 'android', languages: ['de-DE'], maxTouchPoints: 5 }
    const text = (r: DeviceReadings) => canonicalComponents('device', SDK_HASH_VERSION, deviceComponents(r))
    expect(text({ ...phone, screenWidth: 915, screenHeight: 412 })).toBe(text(phone))
    for (const other of [{ screenWidth: 384 }, { devicePixelRatio: 3 }, { timezone: 'Europe/Rome' }, { languages: ['it-IT'] }, { maxTouchPoints: 0 }, { hardwareConcurrency: 4 }]) {
      expect(text({ ...phone, ...other }), JSON.stringify(other)).not.toBe(text(phone))
    }
  })

  it('writes a stable text: keys sorted, values JSON, kind and version first', () => {
    expect(canonicalComponents('device', 2, { b: 1, a: 'x', c: null, d: true })).toBe('linkprint:device:v2|a="x"|b=1|c=null|d=true')
    expect(canonicalComponents('device', 2, { d: true, c: null, a: 'x', b: 1 })).toBe(canonicalComponents('device', 2, { b: 1, a: 'x', c: null, d: true }))
    // The two kinds, and two versions, never share a text.
    expect(canonicalComponents('browser', 2, { a: 1 })).not.toBe(canonicalComponents('device', 2, { a: 1 }))
    expect(canonicalComponents('device', 1, { a: 1 })).not.toBe(canonicalComponents('device', 2, { a: 1 }))
    // A value cannot forge a separator: JSON quotes it.
    expect(canonicalComponents('device', 2, { a: 'x|b=1' })).toBe('linkprint:device:v2|a="x|b=1"')
  })

  it('gives null, not a guess, for what a browser does not expose', () => {
    expect(deviceComponents({ ...LAPTOP, devicePixelRatio: null, timezone: null, hardwareConcurrency: null, maxTouchPoints: null, languages: [] }))
      .toEqual({ screen: '1536x864', dpr: null, timezone: null, cores: null, os: 'windows', language: null, touch: null })
  })
})

describe('the versioned SDK hash', () => {
  it('carries its version, inside what the server accepts', async () => {
    const digest = await sha256Base64url(canonicalComponents('device', SDK_HASH_VERSION, deviceComponents(LAPTOP)))
    // The SDK's hand-made hash and node:crypto agree, so the accuracy bench sends what a browser would.
    expect(digest).toBe(createHash('sha256').update(canonicalComponents('device', SDK_HASH_VERSION, deviceComponents(LAPTOP))).digest('base64url'))
    const value = versionedHash(SDK_HASH_VERSION, digest)
    expect(value).toMatch(/^v2_[A-Za-z0-9_-]{43}$/)
    expect(value).toMatch(SDK_HASH)
    expect(sdkHashVersion(value)).toBe(2)
  })

  it('reads version 1 hashes (43 bare characters) as version 1, even one that starts like a version prefix', () => {
    const v1 = 'v2_' + 'A'.repeat(40)
    expect(v1).toHaveLength(43)
    expect(sdkHashVersion(v1)).toBe(1)
    expect(versionedHash(1, 'B'.repeat(43))).toBe('B'.repeat(43))
    expect(sdkHashVersion('B'.repeat(43))).toBe(1)
  })

  it('reads nothing else as an SDK hash', () => {
    for (const value of ['', 'abc', 'v2_' + 'A'.repeat(42), 'v0_' + 'A'.repeat(43), 'v2-' + 'A'.repeat(43), 'A'.repeat(44), 'v2_' + 'A'.repeat(42) + '+']) {
      expect(sdkHashVersion(value), value).toBeNull()
    }
  })
})
