/** Time is passed in, so the same code runs live, in replay (events' own timestamps) and in tests. */
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }
