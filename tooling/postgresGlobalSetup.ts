import { type PostgresServer, PostgresUnavailableError, startPostgresCluster } from './postgres.ts';

let server: PostgresServer | undefined;

/**
 * Vitest globalSetup: one throwaway PostgreSQL cluster for the whole run (unless
 * PUBLISHGATE_PG_URL names a server); each test file then creates its own databases on it, and
 * processes the tests spawn connect to those by URL.
 */
export async function setup(): Promise<void> {
  if (process.env.PUBLISHGATE_PG_URL) return;
  try {
    server = await startPostgresCluster();
    process.env.PUBLISHGATE_PG_URL = server.url;
  } catch (error) {
    // Left to each test file: it skips loudly, or fails under PUBLISHGATE_REQUIRE_PG=1.
    if (error instanceof PostgresUnavailableError) return;
    throw error;
  }
}

export async function teardown(): Promise<void> {
  if (!server) return;
  delete process.env.PUBLISHGATE_PG_URL;
  await server.stop();
  server = undefined;
}
