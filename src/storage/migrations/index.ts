import type { Kysely } from 'kysely'
import type { MigrationContext } from './migration-context.js'
import * as m001 from './001-initial.js'
import * as m002 from './002-identity-engine.js'
import * as m003 from './003-sessions.js'
import * as m004 from './004-correlation-edges.js'
import * as m005 from './005-click-country.js'
import * as m006 from './006-link-redirect-mode.js'
import * as m007 from './007-domains.js'
import * as m008 from './008-click-batches.js'
import * as m009 from './009-analytics-rollups.js'
import * as m010 from './010-identity-snapshot.js'
import * as m011 from './011-clicks-ts-index.js'

export interface LinkprintMigration {
  up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void>
  down(db: Kysely<unknown>, ctx: MigrationContext): Promise<void>
}

/** Every migration, in order; one list serves both dialects. */
export const MIGRATIONS: Record<string, LinkprintMigration> = {
  '001-initial': m001,
  '002-identity-engine': m002,
  '003-sessions': m003,
  '004-correlation-edges': m004,
  '005-click-country': m005,
  '006-link-redirect-mode': m006,
  '007-domains': m007,
  '008-click-batches': m008,
  '009-analytics-rollups': m009,
  '010-identity-snapshot': m010,
  '011-clicks-ts-index': m011,
}
