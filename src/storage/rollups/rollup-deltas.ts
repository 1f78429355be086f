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
  readonly #rows = new Map<string, RollupDelta>()

  get size(): number {
    return this.#rows.size
  }

  rows(): RollupDelta[] {
    return [...this.#rows.values()]
  }

  /** A click's whole weight: +1 when it is written, -1 when it is deleted. `owner` is its link's user. */
  addClick(click: ClickFacts, owner: number | undefined, sign: 1 | -1): void {
    const hour = hourOf(Number(click.ts))
    if (Number(click.is_bot) !== 0) {
      this.#both(click, owner, hour, TOTALS, '', { bot_clicks: sign })
      this.#both(click, owner, hour, BOT_REASONS, click.bot_reason ?? '', { bot_clicks: sign })
      return
    }
    const b = Number(click.browser_unique ?? 0) * sign
    const d = Number(click.device_unique ?? 0) * sign
    const confidence = click.confidence === null ? null : Number(click.confidence)
    this.#both(click, owner, hour, TOTALS, '', {
      clicks: sign, browser_uniques: b, device_uniques: d,
      confidence_sum: confidence === null ? 0 : confidence * sign, confidence_count: confidence === null ? 0 : sign,
    })
    const geoConfidence = click.geo_confidence === null || click.geo_confidence === undefined ? null : Number(click.geo_confidence)
    const inferred = click.geo_source === 'inference'
    for (const dim of ROLLUP_DIMENSIONS) {
      const dimension = dim.geo && inferred ? dim.name + INFERRED_SUFFIX : dim.name
      const geo = dim.geo && geoConfidence !== null
      this.#both(click, owner, hour, dimension, valueOf(click[dim.column]), {
        clicks: sign, browser_uniques: b, device_uniques: d,
        confidence_sum: geo ? geoConfidence * sign : 0, confidence_count: geo ? sign : 0,
      })
    }
  }

  /** A human click gaining (+1) or losing (-1) its unique flag at one level. */
  addUnique(click: ClickFacts, owner: number | undefined, level: 'browser' | 'device', sign: 1 | -1): void {
    const hour = hourOf(Number(click.ts))
    const change = level === 'browser' ? { browser_uniques: sign } : { device_uniques: sign }
    this.#both(click, owner, hour, TOTALS, '', change)
    const inferred = click.geo_source === 'inference'
    for (const dim of ROLLUP_DIMENSIONS) {
      this.#both(click, owner, hour, dim.geo && inferred ? dim.name + INFERRED_SUFFIX : dim.name, valueOf(click[dim.column]), change)
    }
  }

  /** A link's stored rollup row, taken out of its owner's account rows (the link is deleted). */
  subtractAccountRow(owner: number, row: Omit<RollupDelta, 'scope' | 'id'>): void {
    this.#add('account', owner, Number(row.hour), row.dimension, row.value, {
      clicks: -Number(row.clicks), browser_uniques: -Number(row.browser_uniques), device_uniques: -Number(row.device_uniques),
      bot_clicks: -Number(row.bot_clicks), confidence_sum: -Number(row.confidence_sum), confidence_count: -Number(row.confidence_count),
    })
  }

  #both(click: ClickFacts, owner: number | undefined, hour: number, dimension: string, value: string, change: Partial<RollupDelta>): void {
    this.#add('link', Number(click.link_id), hour, dimension, value, change)
    // A click of a link already deleted has no owner: its link's rows go with the link.
    if (owner !== undefined) this.#add('account', owner, hour, dimension, value, change)
  }

  #add(scope: 'link' | 'account', id: number, hour: number, dimension: string, value: string, change: Partial<RollupDelta>): void {
    const key = `${scope}\u0000${id}\u0000${hour}\u0000${dimension}\u0000${value}`
    let row = this.#rows.get(key)
    if (!row) {
      row = { scope, id, hour, dimension, value, clicks: 0, browser_uniques: 0, device_uniques: 0, bot_clicks: 0, confidence_sum: 0, confidence_count: 0 }
      this.#rows.set(key, row)
    }
    row.clicks += change.clicks ?? 0
    row.browser_uniques += change.browser_uniques ?? 0
    row.device_uniques += change.device_uniques ?? 0
    row.bot_clicks += change.bot_clicks ?? 0
    row.confidence_sum += change.confidence_sum ?? 0
    row.confidence_count += change.confidence_count ?? 0
  }
}

/** Unknown is '' in the rollups' keys (a primary key column cannot hold NULL in PostgreSQL). */
function valueOf(value: unknown): string {
  return value === null || value === undefined ? '' : String(value)
}
