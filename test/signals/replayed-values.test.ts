import { describe, expect, it } from 'vitest'
import { parseAcceptLanguage } from '../../src/signals/accept-language.js'
import { detectBot } from '../../src/signals/bot-detector.js'
import { parseIp } from '../../src/signals/canonical-ip.js'
import { resolveClientIp } from '../../src/signals/client-ip.js'
import { edgeHeadersGeo } from '../../src/signals/geo/edge-headers-geo.js'
import { parseTimezone } from '../../src/signals/timezone.js'
import { parseTrustedProxies } from '../../src/signals/trusted-proxies.js'
import { clientHintsOf, parseUserAgent } from '../../src/signals/user-agent.js'

/**
 * Replayed events come from JSON, where a header can be a number, an object or null.
 * The types say string; the signals stage must still never throw on what it is given.
 */
describe('non-string values from replayed events', () => {
  const odd: unknown[] = [42, null, { a: 1 }, true, [1, 2]]

  it('are refused or ignored, never thrown on', () => {
    const trusted = parseTrustedProxies('10.0.0.0/8')
    for (const value of odd) {
      const v = value as never
      expect(parseIp(v)).toBeNull()
      expect(() => resolveClientIp(v, {}, trusted)).not.toThrow()
      expect(resolveClientIp('10.0.0.1', { 'x-forwarded-for': v }, trusted).ip).toBe('10.0.0.1')
      expect(parseAcceptLanguage(v).languages).toEqual([])
      expect(parseTimezone(v).timezone).toBeNull()
      expect(parseUserAgent(v).browser.name).toBeNull()
      expect(detectBot({ method: 'GET', userAgent: v })).toEqual({ bot: true, reason: 'missing_user_agent' })
      expect(clientHintsOf({ 'sec-ch-ua': v })).toEqual({})
      expect(edgeHeadersGeo({ 'cf-ipcountry': v }, true)).toBeNull()
    }
  })
})
