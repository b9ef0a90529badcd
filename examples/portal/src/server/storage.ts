import { createKnexStorage, createSqliteKnex, migrate } from '@publishgate/adapter-knex';
import type { StoragePort } from '@publishgate/core';

/** The gate's storage and how to release it. */
export type PortalStorage = { storage: StoragePort; close(): Promise<void> };

/**
 * The embedded default: SQLite in one file, migrated at start (a no-op when the schema is
 * current), so a re-run keeps every request, trust grant and audit entry.
 */
export async function createPortalStorage(filename: string): Promise<PortalStorage> {
  const knex = createSqliteKnex({ filename });
  try {
    await migrate(knex);
  } catch (error) {
    await knex.destroy();
    throw error;
  }
  return { storage: createKnexStorage({ knex }), close: () => knex.destroy() };
}
