import { type PostgresServer, PostgresUnavailableError, startPostgresCluster } from '../../../tooling/postgres.ts';

let server: PostgresServer | undefined;

/**
 * One throwaway PostgreSQL cluster for the whole suite (unless PUBLISHGATE_PG_URL names a server):
 * each test file then creates fresh databases on it, and the gate processes the tests spawn connect
 * to those databases by URL.
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
