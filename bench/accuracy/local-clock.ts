/**
 * Local wall-clock time in an IANA time zone, with daylight-saving rules
 * from Node's ICU data (the simulated window may cross the end of DST, as
 * October does in Europe). Offsets are cached per zone and hour: the
 * simulator asks millions of times.
 */
export class LocalClock {
  private readonly formatters = new Map<string, Intl.DateTimeFormat>()
  private readonly offsets = new Map<string, number>()

  /** Offset of `tz` from UTC in ms at instant t. */
  offset(tz: string, t: number): number {
    const hourKey = `${tz}|${Math.floor(t / 3_600_000)}`
    const cached = this.offsets.get(hourKey)
    if (cached !== undefined) return cached
    let f = this.formatters.get(tz)
    if (!f) {
      f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      this.formatters.set(tz, f)
    }
    const parts: Record<string, number> = {}
    for (const p of f.formatToParts(new Date(t))) if (p.type !== 'literal') parts[p.type] = Number(p.value)
    const asUtc = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    const off = asUtc - Math.floor(t / 1000) * 1000
    this.offsets.set(hourKey, off)
    return off
  }

  /** Local hour of day as a real number in [0, 24). */
  hour(tz: string, t: number): number {
    const local = t + this.offset(tz, t)
    return ((local % 86_400_000) + 86_400_000) % 86_400_000 / 3_600_000
  }

  /** Local day of week, 0 = Sunday. */
  weekday(tz: string, t: number): number {
    const local = t + this.offset(tz, t)
    return new Date(local).getUTCDay()
  }

  /** The UTC instant of local midnight of the local day containing t. */
  localMidnight(tz: string, t: number): number {
    const off = this.offset(tz, t)
    const local = t + off
    return local - (((local % 86_400_000) + 86_400_000) % 86_400_000) - off
  }
}
