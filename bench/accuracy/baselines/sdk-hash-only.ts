import type { Baseline } from '../types.js'
import { decisionsFromIds } from './decisions-from-ids.js'

/**
 * A client-fingerprint product used as is: the SDK's device hash as the
 * device id and its browser hash as the browser id, falling back to the
 * cookie (the jar) when the SDK did not run — as FingerprintJS-style
 * integrations do.
 */
export const sdkHashOnly: Baseline = {
  name: 'sdk-hash+cookie',
  description: 'X-Device-Fingerprint / X-Browser-Fingerprint, else the cookie',
  decide: (clicks) =>
    decisionsFromIds(clicks, (c) => ({
      deviceId: c.headers['x-device-fingerprint'] ? `sdk:${c.headers['x-device-fingerprint']}` : `jar:${c.jar}`,
      browserId: c.headers['x-browser-fingerprint'] ? `sdkb:${c.headers['x-browser-fingerprint']}` : `jar:${c.jar}`,
    })),
}
