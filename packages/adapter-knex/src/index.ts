export { CorruptRowError } from './corruptRowError.js';
export { createKnexStorage, type KnexStorageOptions } from './knexStorage.js';
export {
  createMigrationSource,
  type MigrateOptions,
  type MigrateResult,
  type MigrationContext,
  migrate,
  migrationSource,
  type PublishGateMigration,
} from './migrations.js';
export { createSqliteKnex, type SqliteKnexOptions, sqliteKnexConfig } from './sqliteKnex.js';
