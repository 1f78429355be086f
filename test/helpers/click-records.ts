import type { ClickRecord, NewClick } from '../../src/storage/storage.js'

/** A human click as the writer stores it, every column set; `over` changes what a test is about. */
export function clickRecord(linkId: number, ts: number, over: Partial<NewClick> = {}): ClickRecord {
  return {
    click: {
      link_id: linkId, ts, ip_hash: 'ip', ip_prefix_hash: 'pre', user_agent: 'UA', referrer_host: null, method: 'GET',
      is_bot: 0, bot_reason: null, browser_id: 'b1', device_id: 'd1', confidence: 80, identity_source: 'cookie', fingerprint_version: 1,
      fingerprint_id: null, legacy_id: null, session_hash: null, device_hash: null, sdk_device_hash: null, sdk_browser_hash: null, signals: null, country: null,
      ...over,
    },
  }
}
