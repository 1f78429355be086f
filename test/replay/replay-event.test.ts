import { describe, expect, it } from 'vitest'
import { parseReplayEvent } from '../../src/replay/replay-event.js'

const click = { type: 'click', id: 'e1', ts: '2026-10-01T08:15:02.123Z', method: 'GET', path: '/news42', ip: '93.45.12.7', jar: 'j81', headers: { 'User-Agent': 'Mozilla/5.0' } }
const line = (overrides: Record<string, unknown>) => JSON.stringify({ ...click, ...overrides })

describe('replay lines (docs/contracts.md, "Replay")', () => {
  it('reads the documented examples, header names in any case', () => {
    expect(parseReplayEvent('{"type":"link","slug":"news42","url":"https://example.org/a"}')).toEqual({ type: 'link', slug: 'news42', url: 'https://example.org/a' })
    expect(parseReplayEvent(JSON.stringify(click))).toEqual({ ...click, ts: Date.parse(click.ts), headers: { 'user-agent': 'Mozilla/5.0' } })
  })

  it('takes epoch milliseconds for ts, an IPv6 address in brackets, no jar and no method', () => {
    const parsed = parseReplayEvent(line({ ts: 1790000000123, ip: '[2001:db8::1]', jar: undefined, method: undefined }))
    expect(parsed).toMatchObject({ ts: 1790000000123, ip: '2001:db8::1', jar: null, method: 'GET' })
  })

  it('never lets a recorded Cookie or Host header past the jar', () => {
    expect(parseReplayEvent(line({ headers: { cookie: 'device_fp=forged', Host: 'evil.example', accept: '*/*' } }))).toMatchObject({ headers: { accept: '*/*' } })
  })

  it.each([
    ['not json', 'not JSON'],
    ['[1]', 'not an object'],
    ['null', 'not an object'],
    [JSON.stringify({ type: 'visit' }), 'unknown type "visit"'],
    [JSON.stringify({ type: 'link', slug: 1, url: 'https://example.org' }), 'a link needs string "slug" and "url"'],
    [line({ id: '' }), 'a click needs a string "id"'],
    [line({ id: 'x'.repeat(201) }), 'a click needs a string "id"'],
    [line({ ts: 'yesterday' }), '"ts" must be an ISO 8601 time or epoch milliseconds'],
    [line({ ts: 1.5 }), '"ts" must be an ISO 8601 time or epoch milliseconds'],
    [line({ ts: -1 }), '"ts" must be an ISO 8601 time or epoch milliseconds'],
    [line({ ts: 1e300 }), '"ts" must be between 2000 and 2100'],
    [line({ ts: '1999-12-31T23:59:59Z' }), '"ts" must be between 2000 and 2100'],
    [line({ ts: '2100-01-01T00:00:00Z' }), '"ts" must be between 2000 and 2100'],
    [line({ method: 'POST' }), '"method" must be GET or HEAD'],
    [line({ path: 'news42' }), '"path" must be an absolute path'],
    [line({ path: `/${'a'.repeat(2100)}` }), '"path" must be an absolute path'],
    [line({ ip: '999.1.1.1' }), '"ip" must be an IP address'],
    [line({ ip: 'localhost' }), '"ip" must be an IP address'],
    [line({ jar: 7 }), '"jar" must be a string'],
    [line({ headers: ['user-agent'] }), '"headers" must be an object'],
    [line({ headers: { 'user agent': 'x' } }), 'header "user agent" is not a valid header'],
    [line({ headers: { 'x-a': 'line\r\nbreak' } }), 'header "x-a" is not a valid header'],
    [line({ headers: { 'x-a': 'x'.repeat(8193) } }), 'header "x-a" is not a valid header'],
    [line({ headers: { 'x-a': 42 } }), 'header "x-a" is not a valid header'],
    [line({ headers: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`x-${i}`, 'v'])) }), 'more than 64 headers'],
  ])('reports %s as "%s"', (input, error) => {
    expect(parseReplayEvent(input)).toEqual({ error })
  })
})
