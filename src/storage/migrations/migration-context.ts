import type { ColumnDataType, ColumnDefinitionBuilder } from 'kysely'
import type { DialectName } from '../storage.js'

export interface MigrationContext {
  readonly dialect: DialectName
  /** Arguments for addColumn('id', ...idColumn): an auto-increment primary key in this dialect. */
  readonly idColumn: ColumnSpec
  /**
   * For rows nothing else refers to (clicks): SQLite may reuse the id of a deleted last
   * row, which spares AUTOINCREMENT's bookkeeping on every insert of the hottest table.
   */
  readonly rowIdColumn: ColumnSpec
}

type ColumnSpec = readonly [ColumnDataType, (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder]

export function migrationContext(dialect: DialectName): MigrationContext {
  return {
    dialect,
    idColumn:
      dialect === 'sqlite'
        ? ['integer', (c) => c.primaryKey().autoIncrement()]
        : ['bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity()],
    rowIdColumn:
      dialect === 'sqlite'
        ? ['integer', (c) => c.primaryKey()]
        : ['bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity()],
  }
}
