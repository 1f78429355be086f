import type { LocalClock } from './local-clock.js'
import type { Person, Trip } from './population.js'
import { Prng } from './prng.js'

export type Location = 'home' | 'office' | 'commute' | 'out' | 'travel'

export interface Whereabout {
  loc: Location
  trip?: Trip
}

/**
 * Where a person is at an instant: at home, at the office, commuting, out
 * (café, shops, friends, school) or travelling. Working hours and the
 * rhythm of the day follow the ISTAT time-use survey's broad shape (work
 * 9–18 with a lunch break, evenings at home); every random choice is keyed by
 * (person, hour) so that two clicks in the same hour agree.
 */
export class Whereabouts {
  constructor(
    private readonly seed: string,
    private readonly clock: LocalClock,
  ) {}

  at(person: Person, t: number): Whereabout {
    const trip = person.trips.find((tr) => t >= tr.start && t < tr.end)
    if (trip) return { loc: 'travel', trip }
    const h = this.clock.hour(person.tz, t)
    const wd = this.clock.weekday(person.tz, t)
    const weekend = wd === 0 || wd === 6
    const slot = Math.floor(t / 3_600_000)
    const u = Prng.at(this.seed, 'where', person.id, slot)
    if (h < 7) return { loc: 'home' }
    if (!weekend && person.officeId && !person.wfhDays.includes(wd)) {
      if (h < 8.75) return { loc: h < 7.75 ? 'home' : 'commute' }
      if (h < 13) return { loc: 'office' }
      if (h < 14) return { loc: u < 0.3 ? 'out' : 'office' }
      if (h < 18) return { loc: 'office' }
      if (h < 19) return { loc: 'commute' }
      return { loc: u < person.outness * 0.5 ? 'out' : 'home' }
    }
    if (!weekend && person.role === 'student') {
      if (h < 8) return { loc: 'home' }
      if (h < 13.5) return { loc: 'out' }
      if (h < 14.5) return { loc: 'commute' }
    }
    if (h >= 9 && h < 21) return { loc: u < person.outness ? 'out' : 'home' }
    return { loc: 'home' }
  }
}
