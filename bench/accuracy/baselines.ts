import { cookieOnly } from './baselines/cookie-only.js'
import { dubDedup } from './baselines/dub-dedup.js'
import { ipOnly } from './baselines/ip-only.js'
import { naiveDeviceHash } from './baselines/naive-device-hash.js'
import { plausibleDailyHash } from './baselines/plausible-daily-hash.js'
import { sdkHashOnly } from './baselines/sdk-hash-only.js'
import { umamiMonthlyHash } from './baselines/umami-monthly-hash.js'
import type { Baseline } from './types.js'

/** The peers' methods, in the order the report shows them. */
export const baselines: readonly Baseline[] = [cookieOnly, sdkHashOnly, dubDedup, plausibleDailyHash, umamiMonthlyHash, naiveDeviceHash, ipOnly]
