import type { Baseline } from '../types.js'
import { decisionsFromIds } from './decisions-from-ids.js'

/**
 * What a shortener that sets one first-party cookie per browser sees: one
 * identity per cookie jar. A private window, a cleared jar, Safari's purge,
 * an in-app browser — each is a new visitor; two browsers of one laptop are
 * two. The jar name stands for the cookie the server would have set in it.
 */
export const cookieOnly: Baseline = {
  name: 'cookie-only',
  description: 'one first-party cookie per browser (one id per cookie jar)',
  decide: (clicks) => decisionsFromIds(clicks, (c) => ({ deviceId: `jar:${c.jar}`, browserId: `jar:${c.jar}` })),
}
