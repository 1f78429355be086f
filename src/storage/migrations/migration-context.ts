import type { ColumnDataType, ColumnDefinitionBuilder } from 'kysely'
import type { DialectName } from '../storage.js'

export interface MigrationContext {
  readonly dialect: DialectName
  /** Arguments for addColumn('id', ...idColumn): an auto-increment primary key in this dialect. */
  readonly idColumn: readonly [ColumnDataType, (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder]
}

export function migrationContext(dialect: DialectName): MigrationContext {
  return {
    dialect,
    idColumn:
      dialect === 'sqlite'
        ? ['integer', (c) => c.primaryKey().autoIncrement()]
        : ['bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity()],
  }
}
