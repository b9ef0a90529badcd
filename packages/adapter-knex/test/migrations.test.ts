import { IN_FLIGHT_STATUSES, type Notification, type PublishRequest } from '@publishgate/core';
import { notificationFixture, requestFixture, trustFixture, workspaceFixture } from '@publishgate/core/testing';
import knex, { type Knex } from 'knex';
import { afterEach, describe, expect, it } from 'vitest';
import { rowsOf, tablesFor } from '../src/dialect.ts';
import { createKnexStorage, createMigrationSource, migrate } from '../src/index.ts';
import { MIGRATIONS, runMigrations } from '../src/migrations.ts';
import { type Store, testBackends } from './backends.ts';

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.drop();
});

/** Tables and indexes with this prefix, with their definitions, in a stable order. */
async function schemaOf(db: Knex, backend: Store['backend'], prefix: string): Promise<string[]> {
  const rows =
    backend === 'sqlite'
      ? rowsOf(
          await db.raw(
            `SELECT type || ' ' || name || ' ' || COALESCE(sql, '') AS item FROM sqlite_master WHERE name LIKE ? ORDER BY name`,
            [`${prefix}%`],
          ),
        )
      : rowsOf(
          await db.raw(
            `SELECT 'table ' || table_name || ' ' || string_agg(column_name || ':' || data_type, ',' ORDER BY ordinal_position) AS item
               FROM information_schema.columns WHERE table_schema = current_schema() AND table_name LIKE ? GROUP BY table_name
             UNION ALL
             SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE ?
             ORDER BY 1`,
            [`${prefix}%`, `${prefix}%`],
          ),
        );
  return rows.map((row) => String(row.item));
}

/** Writes a request row (and its notification) with only the columns of 001_initial, as the first release did. */
async function insertAsFirstRelease(db: Knex, prefix: string, request: PublishRequest, notification?: Notification) {
  await db(`${prefix}requests`).insert({
    id: request.id,
    version: request.version,
    status: request.status,
    workspace_id: request.workspace.id,
    blueprint_id: request.workspace.blueprintId,
    builder_id: request.builder.id,
    subdomain: request.subdomain,
    created_at: request.createdAt,
    data: JSON.stringify(request),
  });
  if (notification) await db(`${prefix}outbox`).insert({ id: notification.id, data: JSON.stringify(notification) });
}

async function fresh(backend: { freshStore(): Promise<Store> }) {
  const store = await backend.freshStore();
  stores.push(store);
  return store;
}

describe.each(testBackends('adapter-knex migrations'))('$name', (backend) => {
  describe.skipIf(!backend.available)('migrations', () => {
    it('migrate creates the schema once; running it again is a no-op', async () => {
      const store = await fresh(backend);
      const db = store.connect();
      const options = { tablePrefix: store.tablePrefix };
      expect(await migrate(db, options)).toEqual({ applied: MIGRATIONS.map((migration) => migration.name) });
      const schema = await schemaOf(db, store.backend, store.tablePrefix);
      expect(schema.some((item) => item.includes(`${store.tablePrefix}requests_in_flight_uq`))).toBe(true);
      expect(await migrate(db, options)).toEqual({ applied: [] });
      expect(await migrate(db, options)).toEqual({ applied: [] });
      expect(await schemaOf(db, store.backend, store.tablePrefix)).toEqual(schema);
      const versions = rowsOf(await db.raw(`SELECT "name" FROM "${store.tablePrefix}migrations" ORDER BY "name"`));
      expect(versions.map((row) => row.name)).toEqual(MIGRATIONS.map((migration) => migration.name));
    });

    it('a database created by the first release upgrades through every migration and keeps its data', async () => {
      const store = await fresh(backend);
      const db = store.connect();
      const options = { tablePrefix: store.tablePrefix };
      expect(await runMigrations(db, MIGRATIONS.slice(0, 1), options)).toEqual({ applied: ['001_initial'] });
      const request = requestFixture();
      await insertAsFirstRelease(db, store.tablePrefix, request);
      const oldSchema = await schemaOf(db, store.backend, store.tablePrefix);
      expect(oldSchema.some((item) => item.includes('requests_builder_queue_idx'))).toBe(false);

      expect(await migrate(db, options)).toEqual({ applied: MIGRATIONS.slice(1).map((migration) => migration.name) });
      const newSchema = await schemaOf(db, store.backend, store.tablePrefix);
      expect(newSchema.some((item) => item.includes('requests_builder_queue_idx'))).toBe(true);
      const after = createKnexStorage({ knex: db, ...options });
      expect(await after.getRequest({ id: request.id })).toEqual(request);
      expect(await after.listRequests({ filter: { builderId: request.builder.id }, limit: 5 })).toEqual([request]);
      expect(await migrate(db, options)).toEqual({ applied: [] });
    });

    it('outbox rows written before 003_outbox_dead_letters are still delivered, and can become dead letters', async () => {
      const store = await fresh(backend);
      const db = store.connect();
      const options = { tablePrefix: store.tablePrefix };
      await runMigrations(db, MIGRATIONS.slice(0, 2), options);
      const notification = notificationFixture();
      await insertAsFirstRelease(db, store.tablePrefix, requestFixture(), notification);

      expect(await migrate(db, options)).toEqual({ applied: MIGRATIONS.slice(2).map((migration) => migration.name) });
      const after = createKnexStorage({ knex: db, ...options });
      const now = '2026-03-01T10:00:00.000Z';
      expect((await after.claimOutbox({ now, limit: 5, leaseMs: 1_000 })).map((item) => item.notification.id)).toEqual([notification.id]);
      await after.failOutbox({ id: notification.id, error: 'gone', retryAt: now, deadLetter: true, now });
      expect(await after.listDeadLetters({ limit: 5 })).toEqual([{ notification, attempts: 1, lastError: 'gone', deadAt: now }]);
      expect(await after.countPendingOutbox()).toBe(0);
    });

    it('requests approved before 005 and 006_delivery are found by their pull request afterwards', async () => {
      const store = await fresh(backend);
      const db = store.connect();
      const options = { tablePrefix: store.tablePrefix };
      await runMigrations(db, MIGRATIONS.slice(0, 4), options);
      const approved = requestFixture({
        status: 'approved',
        branch: 'publish/old-1',
        pullRequest: { number: 12, url: 'https://example.test/pull/12' },
      });
      await db(`${store.tablePrefix}requests`).insert({
        id: approved.id,
        version: approved.version,
        status: approved.status,
        workspace_id: approved.workspace.id,
        blueprint_id: approved.workspace.blueprintId,
        builder_id: approved.builder.id,
        subdomain: approved.subdomain,
        created_at: approved.createdAt,
        data: JSON.stringify(approved),
      });
      expect(await migrate(db, options)).toEqual({ applied: MIGRATIONS.slice(4).map((migration) => migration.name) });
      const storage = createKnexStorage({ knex: db, ...options });
      expect(await storage.findRequestByPullRequest({ number: 12, branch: 'publish/old-1' })).toEqual(approved);
      expect(await storage.listRequests({ filter: { deliveryState: ['pull-request-open'] }, limit: 5 })).toEqual([]);
    });

    it('pending requests written before 009 appear in their approvers\u2019 queue and are due reminders afterwards', async () => {
      const store = await fresh(backend);
      const db = store.connect();
      const options = { tablePrefix: store.tablePrefix };
      await runMigrations(db, MIGRATIONS.slice(0, 6), options);
      const named = requestFixture({ rule: { requiredApprovals: 1, approvers: [{ userId: 'lead_7' }] } });
      const byDefault = requestFixture();
      for (const request of [named, byDefault]) await insertAsFirstRelease(db, store.tablePrefix, request);
      expect(await migrate(db, options)).toEqual({ applied: MIGRATIONS.slice(6).map((migration) => migration.name) });
      const storage = createKnexStorage({ knex: db, ...options });
      const queue = async (roles: Array<'admin' | 'builder'>) =>
        (await storage.listRequests({ filter: { visibleTo: { userId: 'lead_7', roles } }, limit: 5 })).map((item) => item.id);
      expect(await queue(['builder'])).toEqual([named.id]);
      expect((await queue(['admin'])).sort()).toEqual([named.id, byDefault.id].sort());
      const due = await storage.listDueReminders({ now: '2027-01-01T00:00:00.000Z', remindAfterMs: 1, remindEveryMs: 1, limit: 5 });
      expect(due.map((item) => item.id).sort()).toEqual([named.id, byDefault.id].sort());
    });

    it('requests written before 011_workspace_owner appear in the queue of their workspace\u2019s owner, not only of who made them', async () => {
      const store = await fresh(backend);
      const db = store.connect();
      const options = { tablePrefix: store.tablePrefix };
      const ownerStep = MIGRATIONS.findIndex((migration) => migration.name === '011_workspace_owner');
      await runMigrations(db, MIGRATIONS.slice(0, ownerStep), options);
      const owned = workspaceFixture({ ownerId: 'own_9' });
      const byAdmin = requestFixture({ workspace: owned, builder: { id: 'adm_9', email: 'adm_9@example.com' }, status: 'rejected' });
      const elsewhere = requestFixture({ builder: { id: 'adm_9', email: 'adm_9@example.com' }, status: 'rejected' });
      for (const request of [byAdmin, elsewhere]) await insertAsFirstRelease(db, store.tablePrefix, request);
      expect(await migrate(db, options)).toEqual({ applied: MIGRATIONS.slice(ownerStep).map((migration) => migration.name) });
      const storage = createKnexStorage({ knex: db, ...options });
      const queue = await storage.listRequests({ filter: { visibleTo: { userId: 'own_9', roles: ['builder'] } }, limit: 5 });
      expect(queue.map((item) => item.id)).toEqual([byAdmin.id]);
    });

    it('requests approving before 004_publish_jobs_and_pacing get a job due now, so workers resume their interrupted publishes', async () => {
      const store = await fresh(backend);
      const db = store.connect();
      const options = { tablePrefix: store.tablePrefix };
      await runMigrations(db, MIGRATIONS.slice(0, 3), options);
      const approving = requestFixture({ status: 'approving' });
      const pending = requestFixture();
      const approved = requestFixture({ status: 'approved' });
      // Written as the previous release did: no job table yet.
      for (const request of [approving, pending, approved]) {
        await db(`${store.tablePrefix}requests`).insert({
          id: request.id,
          version: request.version,
          status: request.status,
          workspace_id: request.workspace.id,
          blueprint_id: request.workspace.blueprintId,
          builder_id: request.builder.id,
          subdomain: request.subdomain,
          created_at: request.createdAt,
          data: JSON.stringify(request),
        });
      }

      const before = Date.now();
      expect(await migrate(db, options)).toEqual({ applied: MIGRATIONS.slice(3).map((migration) => migration.name) });
      const after = Date.now();
      const storage = createKnexStorage({ knex: db, ...options });
      const job = await storage.getJob({ requestId: approving.id });
      expect(job).toEqual({ requestId: approving.id, runAt: expect.any(String) });
      expect(Date.parse(job?.runAt ?? '')).toBeGreaterThanOrEqual(before);
      expect(Date.parse(job?.runAt ?? '')).toBeLessThanOrEqual(after);
      expect(await storage.getJob({ requestId: pending.id })).toBeNull();
      expect(await storage.getJob({ requestId: approved.id })).toBeNull();
      const now = new Date(after).toISOString();
      expect((await storage.claimJobs({ now, limit: 10, leaseMs: 1_000 })).map((claimed) => claimed.requestId)).toEqual([approving.id]);

      // Running the step again (knex's migrator after migrate(), say) keeps the job as it is, lease included.
      await MIGRATIONS[3]?.up(db, { dialect: store.backend, tables: tablesFor(store.tablePrefix) });
      expect(await storage.getJob({ requestId: approving.id })).toEqual({ ...job, leaseUntil: new Date(after + 1_000).toISOString() });
    });

    it('outbox rows written before 010_outbox_channels keep their delivery state as rows without a channel; fan-out rows join them', async () => {
      const store = await fresh(backend);
      const db = store.connect();
      const options = { tablePrefix: store.tablePrefix };
      const channelsStep = MIGRATIONS.findIndex((migration) => migration.name === '010_outbox_channels');
      await runMigrations(db, MIGRATIONS.slice(0, channelsStep), options);
      const [waiting, dead, done] = [notificationFixture(), notificationFixture(), notificationFixture()];
      const outbox = `${store.tablePrefix}outbox`;
      await db(outbox).insert({ id: waiting?.id, data: JSON.stringify(waiting), attempts: 2, last_error: 'HTTP 503' });
      await db(outbox).insert({
        id: dead?.id,
        data: JSON.stringify(dead),
        attempts: 12,
        last_error: 'HTTP 404',
        dead_at: '2026-03-01T09:00:00.000Z',
      });
      await db(outbox).insert({ id: done?.id, data: JSON.stringify(done), delivered_at: '2026-03-01T09:00:00.000Z' });

      expect(await migrate(db, options)).toEqual({ applied: MIGRATIONS.slice(channelsStep).map((migration) => migration.name) });
      // Running the step again (knex's migrator after migrate()) changes nothing.
      await MIGRATIONS[channelsStep]?.up(db, { dialect: store.backend, tables: tablesFor(store.tablePrefix) });
      const storage = createKnexStorage({ knex: db, ...options });
      const now = '2026-03-01T10:00:00.000Z';
      expect(await storage.listDeadLetters({ limit: 5 })).toEqual([
        { notification: dead, attempts: 12, lastError: 'HTTP 404', deadAt: '2026-03-01T09:00:00.000Z' },
      ]);
      // The delivered notification written again through a fan-out is new on each channel, and the old row stays delivered.
      if (!done) throw new Error('fixture');
      await storage.putTrust({ grant: trustFixture(), audit: [], outbox: [done], channels: ['slack', 'email'] });
      await storage.putTrust({ grant: trustFixture(), audit: [], outbox: [done] });
      const claimed = await storage.claimOutbox({ now, limit: 10, leaseMs: 1_000 });
      expect(claimed).toEqual([
        { notification: waiting, attempts: 2, lastError: 'HTTP 503' },
        { notification: done, channel: 'slack', attempts: 0 },
        { notification: done, channel: 'email', attempts: 0 },
      ]);
    });

    it('servers migrating at the same moment apply each migration exactly once', async () => {
      const store = await fresh(backend);
      const options = { tablePrefix: store.tablePrefix };
      const results = await Promise.all(Array.from({ length: 4 }, () => migrate(store.connect(), options)));
      expect(results.flatMap((result) => result.applied).sort()).toEqual(MIGRATIONS.map((migration) => migration.name).sort());
    });

    it('the knex migration source applies the same schema, rolls it back, and coexists with migrate()', async () => {
      const store = await fresh(backend);
      const db = store.connect();
      const options = { tablePrefix: store.tablePrefix };
      const migrationSource = createMigrationSource(options);
      const config = { migrationSource, tableName: `${store.tablePrefix}knex_migrations` };
      await db.migrate.latest(config);
      const viaKnex = await schemaOf(db, store.backend, `${store.tablePrefix}r`);
      const storage = createKnexStorage({ knex: db, ...options });
      const request = requestFixture();
      await storage.createRequest({ request, audit: [], outbox: [] });
      // Switching to migrate() later finds every object already there and only records the versions.
      expect(await migrate(db, options)).toEqual({ applied: MIGRATIONS.map((migration) => migration.name) });
      expect(await schemaOf(db, store.backend, `${store.tablePrefix}r`)).toEqual(viaKnex);
      expect(await storage.getRequest({ id: request.id })).toEqual(request);
      await db.migrate.rollback(config, true);
      expect(await schemaOf(db, store.backend, `${store.tablePrefix}requests`)).toEqual([]);
    });

    it('two table prefixes in one database are independent stores', async () => {
      const store = await fresh(backend);
      const db = store.connect();
      const one = `${store.tablePrefix}one_`;
      const two = `${store.tablePrefix}two_`;
      await migrate(db, { tablePrefix: one });
      await migrate(db, { tablePrefix: two });
      const a = createKnexStorage({ knex: db, tablePrefix: one });
      const b = createKnexStorage({ knex: db, tablePrefix: two });
      const request = requestFixture({ subdomain: 'same-name' });
      await a.createRequest({ request, audit: [], outbox: [] });
      expect(await b.getRequest({ id: request.id })).toBeNull();
      await expect(b.createRequest({ request, audit: [], outbox: [] })).resolves.toEqual(request);
    });
  });
});

describe('migration definitions', () => {
  it("the in-flight unique index covers exactly core's IN_FLIGHT_STATUSES", async () => {
    const statements: string[] = [];
    const recorder = { raw: async (sql: string) => statements.push(sql) } as unknown as Knex;
    const [initial] = MIGRATIONS;
    await initial?.up(recorder, { dialect: 'sqlite', tables: (await import('../src/dialect.ts')).tablesFor(undefined) });
    const index = statements.find((sql) => sql.includes('_in_flight_uq'));
    const listed = [...(index ?? '').matchAll(/'([a-z]+)'/g)].map((match) => match[1]);
    expect(listed.sort()).toEqual([...IN_FLIGHT_STATUSES].sort());
  });

  it('refuses a table prefix that would need quoting or overflow identifier limits', () => {
    expect(() => createKnexStorage({ knex: { client: { dialect: 'sqlite3' } } as unknown as Knex, tablePrefix: 'Bad-Prefix' })).toThrow(
      /tablePrefix/,
    );
    expect(() => createKnexStorage({ knex: { client: { dialect: 'sqlite3' } } as unknown as Knex, tablePrefix: 'x'.repeat(31) })).toThrow(
      /tablePrefix/,
    );
    expect(() => createKnexStorage({ knex: { client: { dialect: 'mysql' } } as unknown as Knex })).toThrow(/supports PostgreSQL/);
  });
});

const postgres = testBackends('adapter-knex collation').find((backend) => backend.name === 'postgres');

describe.skipIf(!postgres?.available)('PostgreSQL collation', () => {
  it('orders ids and timestamps byte-wise, as the reference does, even where the database collation would not (ICU en-US)', async () => {
    if (!postgres) throw new Error('no postgres backend');
    const store = await fresh(postgres);
    const admin = store.connect();
    const name = `icu_${Date.now().toString(36)}`;
    await admin.raw(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`);
    const url = new URL(store.location);
    url.pathname = `/${name}`;
    const db = knex({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 2 } });
    try {
      // The database really does sort differently from JS: that is what the test guards against.
      const sorted = rowsOf(await db.raw(`SELECT x FROM (VALUES ('a-b'), ('aB'), ('a_b'), ('a.b'), ('ab')) AS v (x) ORDER BY x`));
      expect(sorted.map((row) => row.x)).not.toEqual(['a-b', 'a.b', 'aB', 'a_b', 'ab']);
      await migrate(db);
      const storage = createKnexStorage({ knex: db });
      const createdAt = '2026-05-01T00:00:00.000Z';
      for (const id of ['a-b', 'aB', 'a_b', 'a.b', 'ab'])
        await storage.createRequest({ request: requestFixture({ id, createdAt }), audit: [], outbox: [] });
      const page = await storage.listRequests({ filter: {}, limit: 10 });
      expect(page.map((request) => request.id)).toEqual(['ab', 'a_b', 'aB', 'a.b', 'a-b']);
      const next = await storage.listRequests({ filter: {}, after: { createdAt, id: 'aB' }, limit: 10 });
      expect(next.map((request) => request.id)).toEqual(['a.b', 'a-b']);
    } finally {
      await db.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  });
});
