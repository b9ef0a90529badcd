/**
 * Throwaway PostgreSQL for tests and benchmarks, shared by every package in the repository.
 *
 * - `startPostgres()` gives each caller a fresh, empty database. With `PUBLISHGATE_PG_URL` set it is
 *   created on that server; otherwise on a cluster this process starts on first use (initdb + pg_ctl
 *   in a temp dir, trust auth, loopback only, fsync off), stopped and deleted when the process exits
 *   or when `stopPostgres()` is called.
 * - `startPostgresCluster()` starts a standalone cluster, e.g. from a vitest `globalSetup` that then
 *   exports its URL as `PUBLISHGATE_PG_URL` for the test workers.
 * - `postgresAvailableForTests()` decides whether PostgreSQL tests run: true when a server is
 *   configured or can be started; otherwise it warns loudly and returns false, or throws when
 *   `PUBLISHGATE_REQUIRE_PG=1` (CI), so a missing PostgreSQL can never turn into a silent green run.
 *
 * Only PostgreSQL's own command-line tools are used (initdb, pg_ctl, psql), so this file needs no
 * npm dependency and works from any package. Requires PostgreSQL 13+ (`DROP DATABASE … WITH (FORCE)`).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Thrown when no PostgreSQL server is configured and none can be started on this machine. */
export class PostgresUnavailableError extends Error {
  override readonly name = 'PostgresUnavailableError';
}

/** A running PostgreSQL server (cluster). `url` points at its `postgres` database. */
export type PostgresServer = {
  url: string;
  /** Stops the server and deletes its files. Safe to call twice. */
  stop(): Promise<void>;
};

/** A fresh database on a PostgreSQL server. */
export type PostgresDatabase = {
  /** Connection URL of the fresh database, e.g. `postgres://postgres@127.0.0.1:54021/pgt_1234_1_ab12`. */
  url: string;
  /** The database's name. */
  database: string;
  /** Drops the database (closing any connection still open to it). Safe to call twice. */
  stop(): Promise<void>;
};

const REQUIRE_ENV = 'PUBLISHGATE_REQUIRE_PG';
const URL_ENV = 'PUBLISHGATE_PG_URL';
const BIN_ENV = 'PUBLISHGATE_PG_BIN';

/**
 * The directory holding `initdb`, `pg_ctl` and `psql`: `PUBLISHGATE_PG_BIN`, else the newest
 * `/usr/lib/postgresql/<version>/bin` (Debian keeps initdb off the PATH), else the PATH. Null when
 * there is none.
 */
export function findPostgresBinDir(): string | null {
  const explicit = process.env[BIN_ENV];
  if (explicit) return existsSync(join(explicit, 'initdb')) ? explicit : null;
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((name) => /^\d+(\.\d+)?$/.test(name) && existsSync(join(debianRoot, name, 'bin', 'initdb')))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    if (versions[0]) return join(debianRoot, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  return null;
}

function findPsql(binDir: string | null): string | null {
  if (binDir && existsSync(join(binDir, 'psql'))) return join(binDir, 'psql');
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, 'psql'))) return join(dir, 'psql');
  return null;
}

type RunOptions = { asUser?: string; env?: NodeJS.ProcessEnv };

// Runs a command to completion and rejects with its output when it fails. `cwd: '/'` because the
// postgres user usually cannot read the caller's working directory, which makes initdb complain.
function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const [file, argv] = options.asUser ? ['runuser', ['-u', options.asUser, '--', command, ...args]] : [command, [...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { cwd: '/', env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Starts a standalone throwaway PostgreSQL cluster (about a second). Rejects with
 * {@link PostgresUnavailableError} when initdb is missing. The caller must `stop()` it; a process
 * exit hook stops it too, as a fallback.
 */
export async function startPostgresCluster(): Promise<PostgresServer> {
  const binDir = findPostgresBinDir();
  if (!binDir) {
    throw new PostgresUnavailableError(
      `PostgreSQL is unavailable: no initdb found (looked in $${BIN_ENV}, /usr/lib/postgresql/*/bin and PATH). ` +
        `Install it (Debian: apt-get install -y postgresql) or set ${URL_ENV} to a server you provide.`,
    );
  }
  // initdb refuses to run as root: run the server as the `postgres` system user, which owns the dir.
  const asUser = isRoot() ? 'postgres' : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'publishgate-pg-'));
  if (asUser) {
    let uid: number;
    let gid: number;
    try {
      uid = Number(execFileSync('id', ['-u', asUser]).toString().trim());
      gid = Number(execFileSync('id', ['-g', asUser]).toString().trim());
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw new PostgresUnavailableError('PostgreSQL is unavailable: running as root but there is no "postgres" user to run it as.', {
        cause: error,
      });
    }
    chownSync(dir, uid, gid);
  }
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const pgCtl = join(binDir, 'pg_ctl');
  // C.UTF-8 exists on every Debian; the adapters must not depend on the cluster's collation anyway.
  const env = { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' };
  try {
    await run(join(binDir, 'initdb'), ['-D', dataDir, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--no-sync'], {
      asUser,
      env,
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  let port = 0;
  let lastError: unknown;
  // Another process may take the free port between probing and binding it: try a few.
  for (let attempt = 0; attempt < 5; attempt += 1) {
    port = await freePort();
    const serverOptions = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=300',
    ].join(' ');
    try {
      await run(pgCtl, ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', serverOptions, 'start'], { asUser, env });
      lastError = undefined;
      break;
    } catch (error) {
      lastError = error;
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      if (!/could not bind|address already in use/i.test(`${String(error)}\n${log}`)) break;
    }
  }
  if (lastError !== undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw lastError;
  }

  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    const argv = ['-D', dataDir, '-m', 'immediate', '-w', 'stop'];
    spawnSync(asUser ? 'runuser' : pgCtl, asUser ? ['-u', asUser, '--', pgCtl, ...argv] : argv, { cwd: '/', stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopSync);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', stopSync);
      try {
        await run(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', 'stop'], { asUser, env });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

let processCluster: Promise<PostgresServer> | undefined;

async function serverUrl(): Promise<string> {
  const configured = process.env[URL_ENV];
  if (configured) return configured;
  processCluster ??= startPostgresCluster().catch((error: unknown) => {
    processCluster = undefined;
    throw error;
  });
  return (await processCluster).url;
}

async function psql(url: string, sql: string): Promise<void> {
  const binary = findPsql(findPostgresBinDir());
  if (!binary) throw new PostgresUnavailableError('PostgreSQL is unavailable: psql is needed to create test databases and was not found.');
  await run(binary, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql], { env: { ...process.env, PGCONNECT_TIMEOUT: '10' } });
}

let databaseCounter = 0;

/**
 * A fresh, empty database: on `PUBLISHGATE_PG_URL` when set, else on a cluster this process starts
 * on first use. Rejects with {@link PostgresUnavailableError} when neither is possible.
 *
 * @example
 * ```ts
 * const pg = await startPostgres();
 * const db = knex({ client: 'pg', connection: pg.url });
 * // … test …
 * await db.destroy();
 * await pg.stop();
 * ```
 */
export async function startPostgres(): Promise<PostgresDatabase> {
  const base = await serverUrl();
  databaseCounter += 1;
  const database = `pgt_${process.pid}_${databaseCounter}_${randomBytes(3).toString('hex')}`;
  await psql(base, `CREATE DATABASE "${database}"`);
  const url = new URL(base);
  url.pathname = `/${database}`;
  let dropped = false;
  return {
    url: url.toString(),
    database,
    async stop() {
      if (dropped) return;
      dropped = true;
      await psql(base, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    },
  };
}

/** Stops the cluster that {@link startPostgres} started in this process, if any. */
export async function stopPostgres(): Promise<void> {
  const cluster = processCluster;
  processCluster = undefined;
  if (cluster) await (await cluster).stop();
}

/**
 * Whether PostgreSQL tests can run here: a server is configured (`PUBLISHGATE_PG_URL`) or initdb
 * exists to start one. When not, prints a banner and returns false so the caller skips its
 * PostgreSQL tests visibly; with `PUBLISHGATE_REQUIRE_PG=1` it throws instead, failing the run.
 */
export function postgresAvailableForTests(suite: string): boolean {
  if (process.env[URL_ENV] || (findPostgresBinDir() && findPsql(findPostgresBinDir()))) return true;
  const reason = `PostgreSQL is unavailable: set ${URL_ENV}, or install PostgreSQL (Debian: apt-get install -y postgresql).`;
  if (process.env[REQUIRE_ENV] === '1') throw new PostgresUnavailableError(`${suite}: ${reason} (${REQUIRE_ENV}=1 makes this a failure.)`);
  const line = '!'.repeat(100);
  console.warn(
    `\n${line}\n!! SKIPPING the PostgreSQL tests of ${suite}.\n!! ${reason}\n!! Set ${REQUIRE_ENV}=1 to fail instead.\n${line}\n`,
  );
  return false;
}
