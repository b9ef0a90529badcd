import { type PostgresServer, PostgresUnavailableError, startPostgresCluster } from '../../../tooling/postgres.ts';

let server: PostgresServer | undefined;

/** One PostgreSQL cluster for every test file; each file then creates its own database on it. */
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
