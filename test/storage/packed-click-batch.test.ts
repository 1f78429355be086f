import { describe, expect, it } from 'vitest'
import { packClickBatch, transferablesOf, unpackClickBatch } from '../../src/storage/sqlite/packed-click-batch.js'
import { encodeClickBatch } from '../../src/storage/sqlite/sqlite-click-inserter.js'
import type { ClickRecord } from '../../src/storage/storage.js'
import { clickRecord } from '../helpers/click-records.js'

/** A new context's click: its fingerprint and correlation rows, a merge and a reassignment. */
function withIdentityRows(record: ClickRecord, key: string): ClickRecord {
  return {
    ...record,
    fingerprint: {
      row: {
        id: key, device_fingerprint: 'dev', browser_fingerprint: 'br', session_fingerprint: 'ses', primary_fingerprint: 'pri', sdk_device_hash: null, sdk_browser_hash: 'sdk-b',
        browser_name: 'Chrome', os_name: 'Windows', device_type: 'desktop', confidence: 60, correlation_factors: '["sdk_device","level:device"]', fingerprint_version: 1, created_at: 5, last_seen: 7,
      },
      correlation: { fingerprint_id: key, browser_cluster_id: key, device_cluster_id: 'older', correlation_type: 'partial', confidence_score: 72.5, updated_at: 7, edges: null },
    },
    merges: [{ level: 'device', absorbed: key, into: 'older' }],
    reassignments: [{ fingerprintId: 'x', browserClusterId: 'bx', deviceClusterId: 'dx' }],
  }
}

describe('packed click batches (the SQLite writer thread hop)', () => {
  it('unpack to exactly the rows encodeClickBatch gives, after crossing as a worker message would', () => {
    const records = [
      clickRecord(1, 1_000, { signals: JSON.stringify({ mode: 'balanced', hints: { secChUa: '"Chromium";v="131"' }, geo: null }), country: 'IT' }),
      withIdentityRows(clickRecord(2, 1_001, { user_agent: '', referrer_host: 'example.org' }), 'k1'),
      clickRecord(1, 1_002, { is_bot: 1, bot_reason: 'user_agent', browser_id: null, device_id: null, confidence: null }),
      // Whatever a replayed event's header carries: quotes, separators, control and astral characters, a lone surrogate.
      clickRecord(3, 1_003, { user_agent: 'a"b\\c\u0000\u0001\u0002;,\n😀\ud800é', method: 'GET' }),
      withIdentityRows(clickRecord(3, 1_004), 'k2'),
    ]
    const packed = structuredClone(packClickBatch(records))
    expect(unpackClickBatch(packed)).toEqual(encodeClickBatch(records))
    expect(unpackClickBatch(structuredClone(packClickBatch([])))).toEqual(encodeClickBatch([]))
    // Latin-1 only (as HTTP headers are): the text crosses as bytes, moved rather than copied.
    const latin1 = [records[0]!, records[1]!, clickRecord(4, 1_005, { user_agent: 'Mozilla/5.0 (caf\u00e9; \u00ff)' })]
    const packedLatin1 = packClickBatch(latin1)
    expect(packedLatin1.text).toBeNull()
    expect(transferablesOf(packedLatin1)).toHaveLength(3)
    expect(unpackClickBatch(structuredClone(packedLatin1, { transfer: transferablesOf(packedLatin1) }))).toEqual(encodeClickBatch(latin1))
    expect(packClickBatch(records).text).not.toBeNull()
  })

  it('refuses a value no column can store, as the JSON it replaced did', () => {
    expect(() => packClickBatch([clickRecord(1, 1, { confidence: 10n as unknown as number })])).toThrow(TypeError)
  })
})
