import type { ClicksTable, RollupColumns } from '../database.js'
import { BOT_REASONS, hourOf, INFERRED_SUFFIX, ROLLUP_DIMENSIONS, TOTALS } from './rollup-dimensions.js'

/** The columns of a click that its rollup rows count. */
export type ClickFacts = Pick<
  ClicksTable,
  'link_id' | 'ts' | 'is_bot' | 'bot_reason' | 'confidence' | 'country' | 'referrer_host' | 'identity_source'
  | 'browser_name' | 'os_name' | 'device_type' | 'city' | 'language' | 'geo_source' | 'geo_confidence' | 'browser_unique' | 'device_unique'
>

/** The click columns ClickFacts names, for the queries that read them. */
export const FACT_COLUMNS = [
  'link_id', 'ts', 'is_bot', 'bot_reason', 'confidence', 'country', 'referrer_host', 'identity_source',
  'browser_name', 'os_name', 'device_type', 'city', 'language', 'geo_source', 'geo_confidence', 'browser_unique', 'device_unique',
] as const satisfies ReadonlyArray<keyof ClickFacts>

/** A change to one rollup row: its columns' amounts to add. */
export interface RollupDelta extends RollupColumns {
  scope: 'link' | 'account'
  /** The link's id, or its owner's (account). */
  id: number
}

/**
 * Changes to the rollups, summed per row before they are written: a batch of a busy
 * link's clicks in one hour becomes one upsert per breakdown value, not one per click.
 */
export class RollupDeltas {
  readonly #rows = { link: new Map<number, Map<number, Map<string, RollupDelta>>>(), account: new Map<number, Map<number, Map<string, RollupDelta>>>() }
  #size = 0

  get size(): number {
    return this.#size
  }

  rows(): RollupDelta[] {
    const out: RollupDelta[] = []
    for (const byId of [this.#rows.link, this.#rows.account]) for (const byHour of byId.values()) for (const byKey of byHour.values()) for (const row of byKey.values()) out.push(row)
    return out
  }

  /** A click's whole weight: +1 when it is written, -1 when it is deleted. `owner` is its link's user. */
  addClick(click: ClickFacts, owner: number | undefined, sign: 1 | -1): void {
    const hour = hourOf(Number(click.ts))
    const link = Number(click.link_id)
    if (Number(click.is_bot) !== 0) {
      this.#both(link, owner, hour, TOTALS, '', 0, 0, 0, sign, 0, 0)
      this.#both(link, owner, hour, BOT_REASONS, click.bot_reason ?? '', 0, 0, 0, sign, 0, 0)
      return
    }
    const b = Number(click.browser_unique ?? 0) * sign
    const d = Number(click.device_unique ?? 0) * sign
    const confidence = click.confidence === null ? null : Number(click.confidence)
    this.#both(link, owner, hour, TOTALS, '', sign, b, d, 0, confidence === null ? 0 : confidence * sign, confidence === null ? 0 : sign)
    const geoConfidence = click.geo_confidence === null || click.geo_confidence === undefined ? null : Number(click.geo_confidence)
    const inferred = click.geo_source === 'inference'
    for (const dim of ROLLUP_DIMENSIONS) {
      const dimension = dim.geo && inferred ? dim.name + INFERRED_SUFFIX : dim.name
      const geo = dim.geo && geoConfidence !== null
      this.#both(link, owner, hour, dimension, valueOf(click[dim.column]), sign, b, d, 0, geo ? geoConfidence * sign : 0, geo ? sign : 0)
    }
  }

  /** A human click gaining (+1) or losing (-1) its unique flag at one level. */
  addUnique(click: ClickFacts, owner: number | undefined, level: 'browser' | 'device', sign: 1 | -1): void {
    const hour = hourOf(Number(click.ts))
    const link = Number(click.link_id)
    const [b, d] = level === 'browser' ? [sign, 0] : [0, sign]
    this.#both(link, owner, hour, TOTALS, '', 0, b, d, 0, 0, 0)
    const inferred = click.geo_source === 'inference'
    for (const dim of ROLLUP_DIMENSIONS) {
      this.#both(link, owner, hour, dim.geo && inferred ? dim.name + INFERRED_SUFFIX : dim.name, valueOf(click[dim.column]), 0, b, d, 0, 0, 0)
    }
  }

  /** A link's stored rollup row, taken out of its owner's account rows (the link is deleted). */
  subtractAccountRow(owner: number, row: Omit<RollupDelta, 'scope' | 'id'>): void {
    this.#add('account', owner, Number(row.hour), row.dimension, row.value,
      -Number(row.clicks), -Number(row.browser_uniques), -Number(row.device_uniques), -Number(row.bot_clicks), -Number(row.confidence_sum), -Number(row.confidence_count))
  }

  #both(link: number, owner: number | undefined, hour: number, dimension: string, value: string, clicks: number, browser: number, device: number, bots: number, sum: number, count: number): void {
    this.#add('link', link, hour, dimension, value, clicks, browser, device, bots, sum, count)
    // A click of a link already deleted has no owner: its link's rows go with the link.
    if (owner !== undefined) this.#add('account', owner, hour, dimension, value, clicks, browser, device, bots, sum, count)
  }

  /**
   * Rows are found by scope, id and hour (numbers, nested maps), then dimension and value:
   * a string key of all five, built 18 times a click, cost the writer ~10 µs a click
   * (bench/rollups-writer.ts, CPU profile).
   */
  #add(scope: 'link' | 'account', id: number, hour: number, dimension: string, value: string, clicks: number, browser: number, device: number, bots: number, sum: number, count: number): void {
    const byId = this.#rows[scope]
    let byHour = byId.get(id)
    if (!byHour) byId.set(id, (byHour = new Map()))
    let byKey = byHour.get(hour)
    if (!byKey) byHour.set(hour, (byKey = new Map()))
    const key = dimension + '\u0000' + value
    let row = byKey.get(key)
    if (!row) {
      row = { scope, id, hour, dimension, value, clicks: 0, browser_uniques: 0, device_uniques: 0, bot_clicks: 0, confidence_sum: 0, confidence_count: 0 }
      byKey.set(key, row)
      this.#size++
    }
    row.clicks += clicks
    row.browser_uniques += browser
    row.device_uniques += device
    row.bot_clicks += bots
    row.confidence_sum += sum
    row.confidence_count += count
  }
}

/** Unknown is '' in the rollups' keys (a primary key column cannot hold NULL in PostgreSQL). */
function valueOf(value: unknown): string {
  return value === null || value === undefined ? '' : String(value)
}
