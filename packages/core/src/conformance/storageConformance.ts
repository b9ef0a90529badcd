import type { PublishRequest, StoragePort } from '@publishgate/core';
import { PublishGateError } from '@publishgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  advance,
  approvalRuleFixture,
  at,
  auditFixture,
  fakeSha,
  notificationFixture,
  requestFixture,
  trustFixture,
  workspaceFixture,
} from '../testing/fixtures.js';
import { expectErrorCode } from './expectErrorCode.js';

/** How to build the storage under test. */
export type StorageConformanceOptions = {
  /** Shown in the describe block. */
  name: string;
  /** A fresh, empty storage for one test. Called once per test. */
  create: () => StoragePort | Promise<StoragePort>;
  /** Releases what `create` made (close pools, delete files). */
  destroy?: (storage: StoragePort) => void | Promise<void>;
  /**
   * Several independent instances over one fresh, empty store (separate connection pools, as
   * separate servers would have). When given, the race tests also run across instances.
   */
  createShared?: (count: number) => Promise<{ instances: StoragePort[]; destroy: () => Promise<void> }>;
  /** Per-test timeout in ms. Default 20,000. */
  timeoutMs?: number;
};

const none = { audit: [], outbox: [] } as const;

/**
 * The StoragePort contract as a vitest suite. Call it inside a test file; each test builds a fresh
 * storage from `create`, so tests share nothing and may run in any order.
 *
 * @example
 * ```ts
 * import { runStorageConformance } from '@publishgate/core/conformance';
 * runStorageConformance({ name: 'sqlite', create: () => createKnexStorage({ knex: makeKnex() }) });
 * ```
 */
export function runStorageConformance(options: StorageConformanceOptions): void {
  const timeout = options.timeoutMs ?? 20_000;
  const made: StoragePort[] = [];

  async function fresh(): Promise<StoragePort> {
    const storage = await options.create();
    made.push(storage);
    return storage;
  }

  async function counts(storage: StoragePort) {
    const audit = await storage.listAudit({ limit: 10_000 });
    return { audit: audit.length, outbox: await storage.countPendingOutbox() };
  }

  async function create(storage: StoragePort, request: PublishRequest, extra: { idempotencyKey?: string } = {}) {
    return storage.createRequest({
      request,
      audit: [auditFixture(request)],
      outbox: [notificationFixture({ requestId: request.id })],
      ...extra,
    });
  }

  describe(`StoragePort conformance: ${options.name}`, () => {
    afterEach(async () => {
      for (const storage of made.splice(0)) await options.destroy?.(storage);
    });

    describe('requests', () => {
      it('createRequest stores a request that getRequest returns unchanged', { timeout }, async () => {
        const storage = await fresh();
        const request = requestFixture({ note: 'first publish', expiresAt: at(999) });
        const returned = await create(storage, request);
        expect(returned).toEqual(request);
        expect(await storage.getRequest({ id: request.id })).toEqual(request);
      });

      it('getRequest of an unknown id resolves null', { timeout }, async () => {
        const storage = await fresh();
        expect(await storage.getRequest({ id: 'does-not-exist' })).toBeNull();
      });

      it('createRequest with an id that exists rejects with conflict and changes nothing', { timeout }, async () => {
        const storage = await fresh();
        const request = requestFixture();
        await create(storage, request);
        const before = await counts(storage);
        await expectErrorCode(create(storage, requestFixture({ id: request.id })), 'conflict');
        expect(await counts(storage)).toEqual(before);
        expect(await storage.getRequest({ id: request.id })).toEqual(request);
      });

      it('a second in-flight request for one workspace rejects with in_flight and changes nothing', { timeout }, async () => {
        const storage = await fresh();
        const workspace = workspaceFixture();
        await create(storage, requestFixture({ workspace }));
        const before = await counts(storage);
        const second = requestFixture({ workspace });
        await expectErrorCode(create(storage, second), 'in_flight');
        expect(await counts(storage)).toEqual(before);
        expect(await storage.getRequest({ id: second.id })).toBeNull();
      });

      it('approving and failed requests hold the in-flight slot; terminal ones free it', { timeout }, async () => {
        const storage = await fresh();
        const workspace = workspaceFixture();
        const first = await create(storage, requestFixture({ workspace }));
        const approving = await storage.transitionRequest({ id: first.id, expectedVersion: 1, next: advance(first, 'approving'), ...none });
        await expectErrorCode(create(storage, requestFixture({ workspace })), 'in_flight');
        const failed = await storage.transitionRequest({ id: first.id, expectedVersion: 2, next: advance(approving, 'failed'), ...none });
        await expectErrorCode(create(storage, requestFixture({ workspace })), 'in_flight');
        expect((await storage.getInFlightRequest({ workspaceId: workspace.id }))?.id).toBe(first.id);
        await storage.transitionRequest({ id: first.id, expectedVersion: 3, next: advance(failed, 'withdrawn'), ...none });
        expect(await storage.getInFlightRequest({ workspaceId: workspace.id })).toBeNull();
        const next = requestFixture({ workspace });
        await expect(create(storage, next)).resolves.toMatchObject({ id: next.id });
      });

      it("a subdomain held by another workspace's in-flight request rejects with subdomain_unavailable, compared lower-cased", {
        timeout,
      }, async () => {
        const storage = await fresh();
        await create(storage, requestFixture({ subdomain: 'shared-name' }));
        const before = await counts(storage);
        await expectErrorCode(create(storage, requestFixture({ subdomain: 'Shared-Name' })), 'subdomain_unavailable');
        expect(await counts(storage)).toEqual(before);
      });

      it("a subdomain held by another workspace's publication rejects with subdomain_unavailable", { timeout }, async () => {
        const storage = await fresh();
        const first = await create(storage, requestFixture({ subdomain: 'live-site' }));
        await storage.transitionRequest({ id: first.id, expectedVersion: 1, next: advance(first, 'approved'), ...none });
        await expectErrorCode(create(storage, requestFixture({ subdomain: 'live-site' })), 'subdomain_unavailable');
      });

      it('a workspace may publish again to its own subdomain', { timeout }, async () => {
        const storage = await fresh();
        const workspace = workspaceFixture();
        const first = await create(storage, requestFixture({ workspace, subdomain: 'mine' }));
        await storage.transitionRequest({ id: first.id, expectedVersion: 1, next: advance(first, 'approved'), ...none });
        const again = requestFixture({ workspace, subdomain: 'mine' });
        await expect(create(storage, again)).resolves.toMatchObject({ id: again.id });
        expect(await storage.getSubdomainClaim({ subdomain: 'MINE' })).toEqual({ subdomain: 'mine', workspaceId: workspace.id });
      });

      it('a rejected request frees the subdomain it claimed', { timeout }, async () => {
        const storage = await fresh();
        const first = await create(storage, requestFixture({ subdomain: 'free-again' }));
        await storage.transitionRequest({ id: first.id, expectedVersion: 1, next: advance(first, 'rejected'), ...none });
        expect(await storage.getSubdomainClaim({ subdomain: 'free-again' })).toBeNull();
        const other = requestFixture({ subdomain: 'free-again' });
        await expect(create(storage, other)).resolves.toMatchObject({ id: other.id });
      });

      it('approval records the publication and releases the subdomain it replaced', { timeout }, async () => {
        const storage = await fresh();
        const workspace = workspaceFixture();
        const first = await create(storage, requestFixture({ workspace, subdomain: 'old-name' }));
        await storage.transitionRequest({
          id: first.id,
          expectedVersion: 1,
          next: advance(first, 'approved', { updatedAt: at(5000) }),
          ...none,
        });
        expect(await storage.getPublication({ workspaceId: workspace.id })).toEqual({
          workspaceId: workspace.id,
          subdomain: 'old-name',
          sha: first.sha,
          requestId: first.id,
          publishedAt: at(5000),
        });
        const second = await create(storage, requestFixture({ workspace, subdomain: 'new-name' }));
        // While the rename is in flight the workspace holds both names.
        expect(await storage.getSubdomainClaim({ subdomain: 'old-name' })).toEqual({ subdomain: 'old-name', workspaceId: workspace.id });
        expect(await storage.getSubdomainClaim({ subdomain: 'new-name' })).toEqual({ subdomain: 'new-name', workspaceId: workspace.id });
        await storage.transitionRequest({ id: second.id, expectedVersion: 1, next: advance(second, 'approved'), ...none });
        expect(await storage.getSubdomainClaim({ subdomain: 'old-name' })).toBeNull();
        expect((await storage.getPublication({ workspaceId: workspace.id }))?.subdomain).toBe('new-name');
      });

      it('an idempotency key is unique per builder; another builder may use the same key', { timeout }, async () => {
        const storage = await fresh();
        const first = await create(storage, requestFixture(), { idempotencyKey: 'key-1' });
        const sameBuilder = requestFixture({ builder: first.builder });
        await expectErrorCode(create(storage, sameBuilder, { idempotencyKey: 'key-1' }), 'conflict');
        expect(await storage.getRequest({ id: sameBuilder.id })).toBeNull();
        const otherBuilder = requestFixture();
        await expect(create(storage, otherBuilder, { idempotencyKey: 'key-1' })).resolves.toMatchObject({ id: otherBuilder.id });
        expect((await storage.findRequestByIdempotencyKey({ builderId: first.builder.id, key: 'key-1' }))?.id).toBe(first.id);
        expect(await storage.findRequestByIdempotencyKey({ builderId: first.builder.id, key: 'key-2' })).toBeNull();
      });

      it('round-trips unicode, a large patch and every optional field', { timeout }, async () => {
        const storage = await fresh();
        const patch = `diff --git a/ä.txt b/ä.txt\n${'+ünïcødé ✓ 𝄞 line\n'.repeat(20_000)}`;
        const request = requestFixture({
          workspace: workspaceFixture({ name: 'Café ☕ “quotes” <b>' }),
          note: 'line one\nline two ✓',
          baseline: { kind: 'publication', sha: 'b'.repeat(40) },
          diff: {
            files: [{ path: 'ä.txt', oldPath: 'a.txt', status: 'renamed', additions: 20_000, deletions: 0, binary: false }],
            additions: 20_000,
            deletions: 0,
            patch,
            truncated: true,
          },
          findings: [{ kind: 'secret', path: 'ä.txt', line: 3, message: 'Possible token' }],
          expiresAt: at(100),
          rule: { requiredApprovals: 2, approvers: [{ role: 'admin' }, { userId: 'lead-7' }] },
        });
        await create(storage, request);
        const approved = advance(request, 'approved', {
          decision: { kind: 'approved', by: { id: 'admin-1', email: 'admin@example.com' }, at: at(50), comment: 'ok 👍' },
          branch: 'publish/site-1',
          pullRequest: { number: 7, url: 'https://example.test/pull/7' },
          attempts: 2,
          approvals: [
            { by: { id: 'lead-7', email: 'lead@example.com' }, at: at(40), comment: 'first ✓' },
            { by: { id: 'admin-1', email: 'admin@example.com' }, at: at(50) },
          ],
        });
        await storage.transitionRequest({ id: request.id, expectedVersion: 1, next: approved, ...none });
        expect(await storage.getRequest({ id: request.id })).toEqual(approved);
      });

      it('an already aborted signal rejects and writes nothing', { timeout }, async () => {
        const storage = await fresh();
        const controller = new AbortController();
        controller.abort(new Error('stop'));
        const request = requestFixture();
        await expect(
          storage.createRequest({ request, audit: [auditFixture(request)], outbox: [], signal: controller.signal }),
        ).rejects.toBeDefined();
        expect(await storage.getRequest({ id: request.id })).toBeNull();
        expect(await counts(storage)).toEqual({ audit: 0, outbox: 0 });
      });
    });

    describe('transitions', () => {
      it('transitionRequest with the current version stores next and returns it', { timeout }, async () => {
        const storage = await fresh();
        const request = await create(storage, requestFixture());
        const next = advance(request, 'rejected', {
          decision: { kind: 'rejected', by: { id: 'admin-1', email: 'admin@example.com' }, at: at(9), feedback: 'Fix the title' },
        });
        expect(await storage.transitionRequest({ id: request.id, expectedVersion: 1, next, ...none })).toEqual(next);
        expect(await storage.getRequest({ id: request.id })).toEqual(next);
      });

      it('transitionRequest with a stale version rejects with conflict and changes nothing', { timeout }, async () => {
        const storage = await fresh();
        const request = await create(storage, requestFixture());
        const approving = advance(request, 'approving');
        await storage.transitionRequest({ id: request.id, expectedVersion: 1, next: approving, ...none });
        const before = await counts(storage);
        const stale = advance(request, 'rejected');
        await expectErrorCode(
          storage.transitionRequest({
            id: request.id,
            expectedVersion: 1,
            next: stale,
            audit: [auditFixture(stale)],
            outbox: [notificationFixture()],
          }),
          'conflict',
        );
        expect(await storage.getRequest({ id: request.id })).toEqual(approving);
        expect(await counts(storage)).toEqual(before);
      });

      it('transitionRequest of an unknown id rejects with not_found', { timeout }, async () => {
        const storage = await fresh();
        const ghost = requestFixture();
        await expectErrorCode(
          storage.transitionRequest({ id: ghost.id, expectedVersion: 1, next: advance(ghost, 'rejected'), ...none }),
          'not_found',
        );
      });

      it('concurrent transitions from one version: exactly one succeeds, the others reject with conflict', { timeout }, async () => {
        const storage = await fresh();
        const request = await create(storage, requestFixture());
        const attempts = Array.from({ length: 20 }, (_, index) =>
          storage.transitionRequest({
            id: request.id,
            expectedVersion: 1,
            next: advance(request, index % 2 === 0 ? 'approving' : 'rejected'),
            audit: [auditFixture(request, { type: index % 2 === 0 ? 'request.approving' : 'request.rejected' })],
            outbox: [notificationFixture()],
          }),
        );
        const results = await Promise.allSettled(attempts);
        const won = results.filter((result) => result.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const result of results) {
          if (result.status === 'rejected') expect(PublishGateError.is(result.reason, 'conflict')).toBe(true);
        }
        expect((await storage.getRequest({ id: request.id }))?.version).toBe(2);
        expect(await counts(storage)).toEqual({ audit: 2, outbox: 2 });
      });

      it('audit entries and notifications are written with the transition, and only then', { timeout }, async () => {
        const storage = await fresh();
        const request = await create(storage, requestFixture());
        const next = advance(request, 'rejected');
        const entry = auditFixture(next, { type: 'request.rejected', fromStatus: 'pending', toStatus: 'rejected' });
        const note = notificationFixture({ type: 'request.rejected', to: { userId: request.builder.id, email: request.builder.email } });
        await storage.transitionRequest({ id: request.id, expectedVersion: 1, next, audit: [entry], outbox: [note] });
        const audit = await storage.listAudit({ requestId: request.id, limit: 10 });
        expect(audit.map((item) => item.type)).toEqual(['request.submitted', 'request.rejected']);
        expect(audit[1]).toMatchObject({ ...entry });
        const claimed = await storage.claimOutbox({ now: at(1_000_000), limit: 10, leaseMs: 60_000 });
        expect(claimed.map((item) => item.notification.id)).toContain(note.id);
        expect(claimed.find((item) => item.notification.id === note.id)?.notification).toEqual(note);
      });
    });

    describe('queue', () => {
      it('listRequests returns newest first and pages with a cursor without gaps or duplicates', { timeout }, async () => {
        const storage = await fresh();
        const created: PublishRequest[] = [];
        for (let index = 0; index < 25; index += 1) created.push(await create(storage, requestFixture({ createdAt: at(10_000 + index) })));
        const seen: string[] = [];
        let after: { createdAt: string; id: string } | undefined;
        for (let page = 0; page < 10; page += 1) {
          const items = await storage.listRequests({ filter: {}, ...(after ? { after } : {}), limit: 7 });
          seen.push(...items.map((item) => item.id));
          const last = items[items.length - 1];
          if (items.length < 7 || !last) break;
          after = { createdAt: last.createdAt, id: last.id };
        }
        expect(seen).toEqual(created.map((request) => request.id).reverse());
      });

      it('listRequests breaks createdAt ties by id, descending', { timeout }, async () => {
        const storage = await fresh();
        const same = at(20_000);
        for (const id of ['tie-b', 'tie-a', 'tie-c']) await create(storage, requestFixture({ id, createdAt: same }));
        const first = await storage.listRequests({ filter: {}, limit: 2 });
        expect(first.map((item) => item.id)).toEqual(['tie-c', 'tie-b']);
        const rest = await storage.listRequests({ filter: {}, after: { createdAt: same, id: 'tie-b' }, limit: 5 });
        expect(rest.map((item) => item.id)).toEqual(['tie-a']);
      });

      it('listRequests applies status, blueprint, workspace and builder filters together', { timeout }, async () => {
        const storage = await fresh();
        const alpha = workspaceFixture({ blueprintId: 'bp-alpha' });
        const beta = workspaceFixture({ blueprintId: 'bp-beta' });
        const a1 = await create(storage, requestFixture({ workspace: alpha, subdomain: 'alpha-one' }));
        await storage.transitionRequest({ id: a1.id, expectedVersion: 1, next: advance(a1, 'rejected'), ...none });
        const a2 = await create(storage, requestFixture({ workspace: alpha, subdomain: 'alpha-two' }));
        const b1 = await create(storage, requestFixture({ workspace: beta, subdomain: 'beta-one' }));
        const ids = async (filter: Parameters<StoragePort['listRequests']>[0]['filter']) =>
          (await storage.listRequests({ filter, limit: 50 })).map((item) => item.id).sort();
        expect(await ids({ status: ['pending'] })).toEqual([a2.id, b1.id].sort());
        expect(await ids({ status: ['pending', 'rejected'] })).toEqual([a1.id, a2.id, b1.id].sort());
        expect(await ids({ blueprintId: 'bp-alpha' })).toEqual([a1.id, a2.id].sort());
        expect(await ids({ workspaceId: beta.id })).toEqual([b1.id]);
        expect(await ids({ builderId: alpha.ownerId, status: ['rejected'] })).toEqual([a1.id]);
        expect(await ids({ blueprintId: 'bp-beta', status: ['rejected'] })).toEqual([]);
      });

      it('listRequests with visibleTo returns their own requests and only the pending requests whose rule names them or one of their roles', {
        timeout,
      }, async () => {
        const storage = await fresh();
        const reviewer = { userId: 'rev_1', roles: ['builder'] as const };
        const byId = { requiredApprovals: 1, approvers: [{ userId: 'rev_1' }] };
        const byRole = { requiredApprovals: 2, approvers: [{ role: 'builder' as const }] };
        const adminsOnly = { requiredApprovals: 1, approvers: [{ role: 'admin' as const }] };
        const namedPending = await create(storage, requestFixture({ rule: byId, createdAt: at(10) }));
        const rolePending = await create(storage, requestFixture({ rule: byRole, createdAt: at(20) }));
        const adminPending = await create(storage, requestFixture({ rule: adminsOnly, createdAt: at(30) }));
        // No rule: the default (role admin).
        const defaultPending = await create(storage, requestFixture({ createdAt: at(40) }));
        // A near miss: an id that LIKE would match if `_` were a wildcard.
        await create(storage, requestFixture({ rule: { requiredApprovals: 1, approvers: [{ userId: 'revX1' }] }, createdAt: at(45) }));
        const namedDecided = await create(storage, requestFixture({ rule: byId, createdAt: at(50) }));
        await storage.transitionRequest({ id: namedDecided.id, expectedVersion: 1, next: advance(namedDecided, 'rejected'), ...none });
        const ownWorkspace = workspaceFixture({ ownerId: 'rev_1' });
        const own = await create(storage, requestFixture({ workspace: ownWorkspace, createdAt: at(60) }));
        await storage.transitionRequest({ id: own.id, expectedVersion: 1, next: advance(own, 'withdrawn'), ...none });
        const ids = async (filter: Parameters<StoragePort['listRequests']>[0]['filter']) =>
          (await storage.listRequests({ filter, limit: 50 })).map((item) => item.id);
        expect(await ids({ visibleTo: reviewer })).toEqual([own.id, rolePending.id, namedPending.id]);
        expect(await ids({ visibleTo: { userId: 'rev_1', roles: [] } })).toEqual([own.id, namedPending.id]);
        expect(await ids({ visibleTo: reviewer, status: ['pending'] })).toEqual([rolePending.id, namedPending.id]);
        expect(await ids({ visibleTo: { userId: 'someone', roles: ['admin'] } })).toEqual([defaultPending.id, adminPending.id]);
      });

      it('listRequests with visibleTo also returns the requests someone else made on a workspace the user owns, in any status', {
        timeout,
      }, async () => {
        const storage = await fresh();
        const owned = workspaceFixture({ ownerId: 'own_1' });
        const byAdmin = { id: 'adm_1', email: 'adm_1@example.com' };
        const mine = await create(storage, requestFixture({ workspace: owned, createdAt: at(10) }));
        await storage.transitionRequest({ id: mine.id, expectedVersion: 1, next: advance(mine, 'rejected'), ...none });
        // Pending, and its rule names only admins: the owner sees it as the workspace's owner.
        const rollback = await create(storage, requestFixture({ workspace: owned, builder: byAdmin, createdAt: at(20) }));
        // The same admin on a workspace the user does not own stays out of the user's view.
        await create(storage, requestFixture({ builder: byAdmin, createdAt: at(30) }));
        const ids = async (filter: Parameters<StoragePort['listRequests']>[0]['filter']) =>
          (await storage.listRequests({ filter, limit: 50 })).map((item) => item.id);
        expect(await ids({ visibleTo: { userId: 'own_1', roles: ['builder'] } })).toEqual([rollback.id, mine.id]);
        expect(await ids({ visibleTo: { userId: 'own_1', roles: ['builder'] }, workspaceId: owned.id })).toEqual([rollback.id, mine.id]);
        // `builderId` still means who made the request.
        expect(await ids({ builderId: 'own_1' })).toEqual([mine.id]);
      });

      it('listDueReminders returns pending requests waiting longer than remindAfterMs and not reminded within remindEveryMs, oldest first', {
        timeout,
      }, async () => {
        const storage = await fresh();
        const older = await create(storage, requestFixture({ createdAt: at(100) }));
        const old = await create(storage, requestFixture({ createdAt: at(200) }));
        await create(storage, requestFixture({ createdAt: at(950) }));
        const remindedLately = await create(storage, requestFixture({ createdAt: at(50) }));
        await storage.transitionRequest({
          id: remindedLately.id,
          expectedVersion: 1,
          next: advance(remindedLately, 'pending', { reminder: { at: at(900), count: 1, version: 2, unchangedSince: 1 } }),
          ...none,
        });
        const remindedLongAgo = await create(storage, requestFixture({ createdAt: at(60) }));
        await storage.transitionRequest({
          id: remindedLongAgo.id,
          expectedVersion: 1,
          next: advance(remindedLongAgo, 'pending', { reminder: { at: at(400), count: 1, version: 2, unchangedSince: 1 } }),
          ...none,
        });
        const decided = await create(storage, requestFixture({ createdAt: at(10) }));
        await storage.transitionRequest({ id: decided.id, expectedVersion: 1, next: advance(decided, 'rejected'), ...none });
        // now = 1000 s, remind after 500 s, every 300 s: created by 500 s, and last reminded by 700 s.
        const args = { now: at(1000), remindAfterMs: 500_000, remindEveryMs: 300_000 };
        const due = await storage.listDueReminders({ ...args, limit: 10 });
        expect(due.map((item) => item.id)).toEqual([remindedLongAgo.id, older.id, old.id]);
        expect(due[0]?.reminder).toEqual({ at: at(400), count: 1, version: 2, unchangedSince: 1 });
        expect((await storage.listDueReminders({ ...args, limit: 2 })).map((item) => item.id)).toEqual([remindedLongAgo.id, older.id]);
        expect(await storage.listDueReminders({ ...args, now: at(99), limit: 10 })).toEqual([]);
      });

      it('listOverdueRequests returns pending requests past their deadline, earliest deadline first', { timeout }, async () => {
        const storage = await fresh();
        const late = await create(storage, requestFixture({ expiresAt: at(200) }));
        const later = await create(storage, requestFixture({ expiresAt: at(100) }));
        await create(storage, requestFixture({ expiresAt: at(900) }));
        await create(storage, requestFixture());
        const decided = await create(storage, requestFixture({ expiresAt: at(50) }));
        await storage.transitionRequest({ id: decided.id, expectedVersion: 1, next: advance(decided, 'rejected'), ...none });
        const overdue = await storage.listOverdueRequests({ now: at(300), limit: 10 });
        expect(overdue.map((item) => item.id)).toEqual([later.id, late.id]);
        expect(await storage.listOverdueRequests({ now: at(300), limit: 1 })).toHaveLength(1);
      });
    });

    describe('trust', () => {
      it('putTrust creates or replaces a grant and getTrust returns it', { timeout }, async () => {
        const storage = await fresh();
        const grant = trustFixture();
        expect(await storage.putTrust({ grant, ...none })).toEqual(grant);
        expect(await storage.getTrust({ blueprintId: grant.blueprintId, userId: grant.userId })).toEqual(grant);
        const renewed = { ...grant, expiresAt: at(99_999), grantedAt: at(500) };
        await storage.putTrust({ grant: renewed, ...none });
        expect(await storage.getTrust({ blueprintId: grant.blueprintId, userId: grant.userId })).toEqual(renewed);
        expect(await storage.listTrust({})).toHaveLength(1);
      });

      it('deleteTrust removes a grant and resolves true; with no grant it resolves false and writes nothing', { timeout }, async () => {
        const storage = await fresh();
        const grant = trustFixture();
        await storage.putTrust({ grant, audit: [auditFixture(undefined, { type: 'trust.granted' })], outbox: [] });
        expect(
          await storage.deleteTrust({
            blueprintId: grant.blueprintId,
            userId: grant.userId,
            audit: [auditFixture(undefined, { type: 'trust.revoked' })],
            outbox: [],
          }),
        ).toBe(true);
        expect(await storage.getTrust({ blueprintId: grant.blueprintId, userId: grant.userId })).toBeNull();
        const before = await counts(storage);
        expect(
          await storage.deleteTrust({
            blueprintId: grant.blueprintId,
            userId: grant.userId,
            audit: [auditFixture()],
            outbox: [notificationFixture()],
          }),
        ).toBe(false);
        expect(await counts(storage)).toEqual(before);
      });

      it('listTrust filters by blueprint and orders by blueprint, then user', { timeout }, async () => {
        const storage = await fresh();
        for (const [blueprintId, userId] of [
          ['bp-b', 'u-2'],
          ['bp-a', 'u-9'],
          ['bp-b', 'u-1'],
          ['bp-a', 'u-3'],
        ] as const) {
          await storage.putTrust({ grant: trustFixture({ blueprintId, userId }), ...none });
        }
        expect((await storage.listTrust({})).map((grant) => `${grant.blueprintId}/${grant.userId}`)).toEqual([
          'bp-a/u-3',
          'bp-a/u-9',
          'bp-b/u-1',
          'bp-b/u-2',
        ]);
        expect((await storage.listTrust({ blueprintId: 'bp-b' })).map((grant) => grant.userId)).toEqual(['u-1', 'u-2']);
      });
    });

    describe('approval rules', () => {
      it('putApprovalRule creates or replaces the rule of a blueprint and getApprovalRule returns it', { timeout }, async () => {
        const storage = await fresh();
        expect(await storage.getApprovalRule({ blueprintId: 'bp-1' })).toBeNull();
        const rule = approvalRuleFixture();
        expect(await storage.putApprovalRule({ rule, ...none })).toEqual(rule);
        expect(await storage.getApprovalRule({ blueprintId: 'bp-1' })).toEqual(rule);
        const changed = approvalRuleFixture({ requiredApprovals: 3, approvers: [{ userId: 'lead@example.com' }] });
        await storage.putApprovalRule({ rule: changed, ...none });
        expect(await storage.getApprovalRule({ blueprintId: 'bp-1' })).toEqual(changed);
        expect(await storage.listApprovalRules({})).toEqual([changed]);
      });

      it('putApprovalRule writes its audit entries and notifications with the rule', { timeout }, async () => {
        const storage = await fresh();
        const before = await counts(storage);
        await storage.putApprovalRule({
          rule: approvalRuleFixture(),
          audit: [auditFixture(undefined, { type: 'approval_rule.changed' })],
          outbox: [notificationFixture()],
        });
        expect(await counts(storage)).toEqual({ audit: before.audit + 1, outbox: before.outbox + 1 });
        expect((await storage.listAudit({ limit: 10 })).at(-1)?.type).toBe('approval_rule.changed');
      });

      it('listApprovalRules filters by blueprint and orders by blueprint id', { timeout }, async () => {
        const storage = await fresh();
        for (const blueprintId of ['bp-c', 'bp-a', 'bp-b'])
          await storage.putApprovalRule({ rule: approvalRuleFixture({ blueprintId }), ...none });
        expect((await storage.listApprovalRules({})).map((rule) => rule.blueprintId)).toEqual(['bp-a', 'bp-b', 'bp-c']);
        expect((await storage.listApprovalRules({ blueprintId: 'bp-b' })).map((rule) => rule.blueprintId)).toEqual(['bp-b']);
        expect(await storage.listApprovalRules({ blueprintId: 'bp-none' })).toEqual([]);
      });
    });

    describe('audit', () => {
      it('listAudit returns entries in strictly increasing seq order, with filters and afterSeq', { timeout }, async () => {
        const storage = await fresh();
        const one = await create(storage, requestFixture());
        const two = await create(storage, requestFixture());
        await storage.transitionRequest({
          id: one.id,
          expectedVersion: 1,
          next: advance(one, 'rejected'),
          audit: [auditFixture(one, { type: 'request.rejected' })],
          outbox: [],
        });
        const all = await storage.listAudit({ limit: 100 });
        expect(all).toHaveLength(3);
        for (let index = 1; index < all.length; index += 1) expect((all[index]?.seq ?? 0) > (all[index - 1]?.seq ?? 0)).toBe(true);
        expect((await storage.listAudit({ requestId: one.id, limit: 100 })).map((entry) => entry.type)).toEqual([
          'request.submitted',
          'request.rejected',
        ]);
        expect((await storage.listAudit({ workspaceId: two.workspace.id, limit: 100 })).map((entry) => entry.requestId)).toEqual([two.id]);
        expect(
          (await storage.listAudit({ builderId: one.builder.id, limit: 100 })).every((entry) => entry.builderId === one.builder.id),
        ).toBe(true);
        const firstSeq = all[0]?.seq ?? 0;
        expect((await storage.listAudit({ afterSeq: firstSeq, limit: 100 })).map((entry) => entry.seq)).toEqual(
          all.slice(1).map((entry) => entry.seq),
        );
        expect(await storage.listAudit({ afterSeq: firstSeq, limit: 1 })).toHaveLength(1);
      });
    });

    describe('outbox', () => {
      async function seed(storage: StoragePort, count: number) {
        const notes = Array.from({ length: count }, () => notificationFixture());
        await storage.putTrust({ grant: trustFixture(), audit: [], outbox: notes });
        return notes;
      }

      it('claimOutbox leases rows so that a second claim does not return them', { timeout }, async () => {
        const storage = await fresh();
        const notes = await seed(storage, 3);
        const first = await storage.claimOutbox({ now: at(0), limit: 2, leaseMs: 60_000 });
        expect(first).toHaveLength(2);
        expect(first.every((item) => item.attempts === 0)).toBe(true);
        const second = await storage.claimOutbox({ now: at(1), limit: 10, leaseMs: 60_000 });
        expect(second).toHaveLength(1);
        const all = [...first, ...second].map((item) => item.notification.id).sort();
        expect(all).toEqual(notes.map((note) => note.id).sort());
        expect(await storage.claimOutbox({ now: at(2), limit: 10, leaseMs: 60_000 })).toEqual([]);
      });

      it('a completed row is never claimed again and no longer counts as pending', { timeout }, async () => {
        const storage = await fresh();
        const [note] = await seed(storage, 1);
        if (!note) throw new Error('seed failed');
        await storage.claimOutbox({ now: at(0), limit: 10, leaseMs: 1_000 });
        await storage.completeOutbox({ id: note.id, now: at(1) });
        await storage.completeOutbox({ id: note.id, now: at(2) });
        expect(await storage.countPendingOutbox()).toBe(0);
        expect(await storage.claimOutbox({ now: at(10_000), limit: 10, leaseMs: 1_000 })).toEqual([]);
      });

      it('a delivered notification written again is not queued again', { timeout }, async () => {
        const storage = await fresh();
        const [note, other] = await seed(storage, 2);
        if (!note || !other) throw new Error('seed failed');
        await storage.claimOutbox({ now: at(0), limit: 10, leaseMs: 1_000 });
        await storage.completeOutbox({ id: note.id, now: at(1) });
        await storage.putTrust({ grant: trustFixture(), audit: [], outbox: [note] });
        expect(await storage.countPendingOutbox()).toBe(1);
        const claimed = await storage.claimOutbox({ now: at(10_000), limit: 10, leaseMs: 1_000 });
        expect(claimed.map((item) => item.notification.id)).toEqual([other.id]);
      });

      it('failOutbox counts the attempt and hides the row until retryAt', { timeout }, async () => {
        const storage = await fresh();
        const [note] = await seed(storage, 1);
        if (!note) throw new Error('seed failed');
        await storage.claimOutbox({ now: at(0), limit: 10, leaseMs: 60_000 });
        await storage.failOutbox({ id: note.id, error: 'HTTP 503', retryAt: at(30) });
        expect(await storage.claimOutbox({ now: at(29), limit: 10, leaseMs: 60_000 })).toEqual([]);
        const again = await storage.claimOutbox({ now: at(30), limit: 10, leaseMs: 60_000 });
        expect(again).toHaveLength(1);
        expect(again[0]).toMatchObject({ attempts: 1, lastError: 'HTTP 503' });
        expect(await storage.countPendingOutbox()).toBe(1);
      });

      it('a dead letter is never claimed, not pending, and listed with its attempts and last error', { timeout }, async () => {
        const storage = await fresh();
        const [dead, live] = await seed(storage, 2);
        if (!dead || !live) throw new Error('seed failed');
        await storage.claimOutbox({ now: at(0), limit: 10, leaseMs: 60_000 });
        await storage.failOutbox({ id: dead.id, error: 'HTTP 404', retryAt: at(30), deadLetter: true, now: at(1) });
        await storage.failOutbox({ id: live.id, error: 'HTTP 503', retryAt: at(30) });
        expect(await storage.countPendingOutbox()).toBe(1);
        const claimed = await storage.claimOutbox({ now: at(100_000), limit: 10, leaseMs: 60_000 });
        expect(claimed.map((item) => item.notification.id)).toEqual([live.id]);
        expect(await storage.listDeadLetters({ limit: 10 })).toEqual([
          { notification: dead, attempts: 1, lastError: 'HTTP 404', deadAt: at(1) },
        ]);
      });

      it('redelivering a dead letter makes it claimable now with attempts from zero; anything else is refused and changes nothing', {
        timeout,
      }, async () => {
        const storage = await fresh();
        const [dead, live] = await seed(storage, 2);
        if (!dead || !live) throw new Error('seed failed');
        await storage.claimOutbox({ now: at(0), limit: 10, leaseMs: 60_000 });
        await storage.failOutbox({ id: dead.id, error: 'HTTP 404', retryAt: at(30), deadLetter: true, now: at(1) });
        await storage.completeOutbox({ id: live.id, now: at(2) });
        expect(await storage.redeliverOutbox({ id: live.id })).toBe(false);
        expect(await storage.redeliverOutbox({ id: 'no-such-notification' })).toBe(false);
        expect(await storage.redeliverOutbox({ id: dead.id })).toBe(true);
        expect(await storage.redeliverOutbox({ id: dead.id })).toBe(false);
        expect(await storage.listDeadLetters({ limit: 10 })).toEqual([]);
        expect(await storage.countPendingOutbox()).toBe(1);
        const claimed = await storage.claimOutbox({ now: at(3), limit: 10, leaseMs: 60_000 });
        expect(claimed).toEqual([{ notification: dead, attempts: 0, lastError: 'HTTP 404' }]);
      });

      it('a lease that ran out makes the row claimable again', { timeout }, async () => {
        const storage = await fresh();
        await seed(storage, 1);
        expect(await storage.claimOutbox({ now: at(0), limit: 10, leaseMs: 5_000 })).toHaveLength(1);
        expect(await storage.claimOutbox({ now: at(4), limit: 10, leaseMs: 5_000 })).toHaveLength(0);
        expect(await storage.claimOutbox({ now: at(5), limit: 10, leaseMs: 5_000 })).toHaveLength(1);
      });

      it('concurrent claims never hand out the same row', { timeout }, async () => {
        const storage = await fresh();
        await seed(storage, 30);
        const batches = await Promise.all(Array.from({ length: 6 }, () => storage.claimOutbox({ now: at(0), limit: 10, leaseMs: 60_000 })));
        const ids = batches.flat().map((item) => item.notification.id);
        expect(ids).toHaveLength(30);
        expect(new Set(ids).size).toBe(30);
      });
    });

    describe('outbox channels', () => {
      const key = (item: { notification: { id: string }; channel?: string }) => `${item.notification.id}/${item.channel ?? '-'}`;

      it('with channels, each notification is written as one row per channel, each claimed with its channel', { timeout }, async () => {
        const storage = await fresh();
        const notes = [notificationFixture(), notificationFixture()];
        await storage.putTrust({ grant: trustFixture(), audit: [], outbox: notes, channels: ['slack', 'email'] });
        expect(await storage.countPendingOutbox()).toBe(4);
        const claimed = await storage.claimOutbox({ now: at(0), limit: 10, leaseMs: 60_000 });
        expect(claimed.map(key).sort()).toEqual(notes.flatMap((note) => [`${note.id}/email`, `${note.id}/slack`]).sort());
        const first = claimed.find((item) => item.notification.id === notes[0]?.id && item.channel === 'slack');
        expect(first).toEqual({ notification: notes[0], channel: 'slack', attempts: 0 });
      });

      it("completing one channel's row leaves the same notification's other channels pending", { timeout }, async () => {
        const storage = await fresh();
        const note = notificationFixture();
        await storage.putTrust({ grant: trustFixture(), audit: [], outbox: [note], channels: ['slack', 'email'] });
        await storage.claimOutbox({ now: at(0), limit: 10, leaseMs: 1_000 });
        await storage.completeOutbox({ id: note.id, channel: 'slack', now: at(1) });
        await storage.completeOutbox({ id: note.id, now: at(1) });
        expect(await storage.countPendingOutbox()).toBe(1);
        const again = await storage.claimOutbox({ now: at(10_000), limit: 10, leaseMs: 1_000 });
        expect(again.map(key)).toEqual([`${note.id}/email`]);
      });

      it("failing one channel's row counts the attempt on that row alone", { timeout }, async () => {
        const storage = await fresh();
        const note = notificationFixture();
        await storage.putTrust({ grant: trustFixture(), audit: [], outbox: [note], channels: ['slack', 'email'] });
        await storage.claimOutbox({ now: at(0), limit: 10, leaseMs: 1_000 });
        await storage.failOutbox({ id: note.id, channel: 'email', error: 'SMTP 451', retryAt: at(30) });
        // The slack row's lease ran out; the email row waits for its retry time.
        const now = await storage.claimOutbox({ now: at(5), limit: 10, leaseMs: 60_000 });
        expect(now).toEqual([{ notification: note, channel: 'slack', attempts: 0 }]);
        const later = await storage.claimOutbox({ now: at(30), limit: 10, leaseMs: 60_000 });
        expect(later).toEqual([{ notification: note, channel: 'email', attempts: 1, lastError: 'SMTP 451' }]);
      });

      it('a dead letter of one channel is listed with its channel and redelivered on that channel only', { timeout }, async () => {
        const storage = await fresh();
        const note = notificationFixture();
        await storage.putTrust({ grant: trustFixture(), audit: [], outbox: [note], channels: ['slack', 'email'] });
        await storage.claimOutbox({ now: at(0), limit: 10, leaseMs: 60_000 });
        await storage.failOutbox({ id: note.id, channel: 'email', error: 'SMTP 550', retryAt: at(30), deadLetter: true, now: at(1) });
        await storage.failOutbox({ id: note.id, channel: 'slack', error: 'HTTP 404', retryAt: at(30), deadLetter: true, now: at(2) });
        expect(await storage.listDeadLetters({ limit: 10 })).toEqual([
          { notification: note, channel: 'slack', attempts: 1, lastError: 'HTTP 404', deadAt: at(2) },
          { notification: note, channel: 'email', attempts: 1, lastError: 'SMTP 550', deadAt: at(1) },
        ]);
        expect(await storage.redeliverOutbox({ id: note.id })).toBe(false);
        expect(await storage.redeliverOutbox({ id: note.id, channel: 'sms' })).toBe(false);
        expect(await storage.redeliverOutbox({ id: note.id, channel: 'email' })).toBe(true);
        expect(await storage.listDeadLetters({ limit: 10 })).toEqual([
          { notification: note, channel: 'slack', attempts: 1, lastError: 'HTTP 404', deadAt: at(2) },
        ]);
        const claimed = await storage.claimOutbox({ now: at(3), limit: 10, leaseMs: 60_000 });
        expect(claimed).toEqual([{ notification: note, channel: 'email', attempts: 0, lastError: 'SMTP 550' }]);
      });

      it('a notification written again is queued only on the channels that never had its row', { timeout }, async () => {
        const storage = await fresh();
        const note = notificationFixture();
        await storage.putTrust({ grant: trustFixture(), audit: [], outbox: [note], channels: ['slack'] });
        await storage.claimOutbox({ now: at(0), limit: 10, leaseMs: 1_000 });
        await storage.completeOutbox({ id: note.id, channel: 'slack', now: at(1) });
        await storage.putTrust({ grant: trustFixture(), audit: [], outbox: [note], channels: ['slack', 'email'] });
        await storage.putTrust({ grant: trustFixture(), audit: [], outbox: [note] });
        const claimed = await storage.claimOutbox({ now: at(10_000), limit: 10, leaseMs: 1_000 });
        expect(claimed.map(key).sort()).toEqual([`${note.id}/-`, `${note.id}/email`]);
      });
    });

    describe('delivery', () => {
      // A request approved with its pull request open, as the gate stores a successful publish.
      async function delivered(storage: StoragePort, number: number, deliveredAt = at(0)) {
        const request = await create(storage, requestFixture());
        return storage.transitionRequest({
          id: request.id,
          expectedVersion: 1,
          next: advance(request, 'approved', {
            branch: `publish/site-${request.id}`,
            pullRequest: { number, url: `https://example.test/pull/${number}` },
            delivery: { state: 'pull-request-open', at: deliveredAt, url: `https://example.test/pull/${number}` },
          }),
          ...none,
        });
      }
      async function moveDelivery(storage: StoragePort, request: PublishRequest, delivery: NonNullable<PublishRequest['delivery']>) {
        return storage.transitionRequest({
          id: request.id,
          expectedVersion: request.version,
          next: { ...request, version: request.version + 1, delivery },
          ...none,
        });
      }

      it('findRequestByPullRequest needs both the number and the branch to match', { timeout }, async () => {
        const storage = await fresh();
        const request = await delivered(storage, 7);
        expect(await storage.findRequestByPullRequest({ number: 7, branch: request.branch as string })).toEqual(request);
        expect(await storage.findRequestByPullRequest({ number: 7, branch: 'publish/other' })).toBeNull();
        expect(await storage.findRequestByPullRequest({ number: 8, branch: request.branch as string })).toBeNull();
      });

      it('findRequestByMergeSha finds the request merged as that commit, and nothing before the merge', { timeout }, async () => {
        const storage = await fresh();
        const request = await delivered(storage, 7);
        expect(await storage.findRequestByMergeSha({ sha: fakeSha(77) })).toBeNull();
        const merged = await moveDelivery(storage, request, { state: 'merged', at: at(5), mergeSha: fakeSha(77) });
        expect(await storage.findRequestByMergeSha({ sha: fakeSha(77) })).toEqual(merged);
      });

      it('listRequests filters by delivery state; requests without a delivery match no delivery filter', { timeout }, async () => {
        const storage = await fresh();
        const open = await delivered(storage, 1);
        const merged = await moveDelivery(storage, await delivered(storage, 2), { state: 'merged', at: at(5), mergeSha: fakeSha(2) });
        await create(storage, requestFixture());
        const ids = async (deliveryState: Array<NonNullable<PublishRequest['delivery']>['state']>) =>
          (await storage.listRequests({ filter: { deliveryState }, limit: 10 })).map((request) => request.id).sort();
        expect(await ids(['pull-request-open'])).toEqual([open.id]);
        expect(await ids(['merged', 'live'])).toEqual([merged.id]);
        expect(await ids(['pull-request-open', 'merged'])).toEqual([open.id, merged.id].sort());
        expect(await ids(['live'])).toEqual([]);
      });

      it('claimDeliveryChecks returns open deliveries once per interval, oldest first, and never settled ones', { timeout }, async () => {
        const storage = await fresh();
        const first = await delivered(storage, 1, at(0));
        const second = await delivered(storage, 2, at(10));
        const live = await delivered(storage, 3, at(0));
        await moveDelivery(storage, live, { state: 'live', at: at(1) });
        // Not due before an interval has passed since the delivery began.
        expect(await storage.claimDeliveryChecks({ now: at(59), limit: 10, intervalMs: 60_000 })).toEqual([]);
        expect((await storage.claimDeliveryChecks({ now: at(60), limit: 10, intervalMs: 60_000 })).map((r) => r.id)).toEqual([first.id]);
        expect((await storage.claimDeliveryChecks({ now: at(70), limit: 10, intervalMs: 60_000 })).map((r) => r.id)).toEqual([second.id]);
        // Checked at 60 and 70: nothing until an interval after that.
        expect(await storage.claimDeliveryChecks({ now: at(119), limit: 10, intervalMs: 60_000 })).toEqual([]);
        expect((await storage.claimDeliveryChecks({ now: at(200), limit: 1, intervalMs: 60_000 })).map((r) => r.id)).toEqual([first.id]);
        expect((await storage.claimDeliveryChecks({ now: at(200), limit: 5, intervalMs: 60_000 })).map((r) => r.id)).toEqual([second.id]);
      });

      describe('the publication follows delivery', () => {
        // An approved request of `workspace` with its pull request open, published at `seconds`.
        async function published(storage: StoragePort, workspace: PublishRequest['workspace'], subdomain: string, seconds: number) {
          const request = await create(storage, requestFixture({ workspace, subdomain, createdAt: at(seconds) }));
          return storage.transitionRequest({
            id: request.id,
            expectedVersion: 1,
            next: advance(request, 'approved', {
              updatedAt: at(seconds + 1),
              branch: `publish/${subdomain}-${request.id}`,
              pullRequest: { number: seconds, url: `https://example.test/pull/${seconds}` },
              delivery: { state: 'pull-request-open', at: at(seconds + 1) },
            }),
            ...none,
          });
        }
        function closeAt(request: PublishRequest, seconds: number) {
          return moveDeliveryWith(request, { state: 'closed-unmerged', at: at(seconds) }, at(seconds));
        }
        function moveDeliveryWith(request: PublishRequest, delivery: NonNullable<PublishRequest['delivery']>, updatedAt: string) {
          return {
            id: request.id,
            expectedVersion: request.version,
            next: { ...request, version: request.version + 1, updatedAt, delivery },
          };
        }

        it('a publish closed unmerged gives the workspace back its previous publication, with the audit entry in the same write', {
          timeout,
        }, async () => {
          const storage = await fresh();
          const workspace = workspaceFixture();
          const first = await published(storage, workspace, 'first-name', 100);
          const second = await published(storage, workspace, 'second-name', 200);
          const before = await counts(storage);
          await storage.transitionRequest({ ...closeAt(second, 300), audit: [auditFixture(second)], outbox: [] });
          expect(await storage.getPublication({ workspaceId: workspace.id })).toEqual({
            workspaceId: workspace.id,
            subdomain: 'first-name',
            sha: first.sha,
            requestId: first.id,
            publishedAt: at(300),
          });
          expect(await storage.getSubdomainClaim({ subdomain: 'first-name' })).toEqual({
            subdomain: 'first-name',
            workspaceId: workspace.id,
          });
          expect(await storage.getSubdomainClaim({ subdomain: 'second-name' })).toBeNull();
          expect((await counts(storage)).audit).toBe(before.audit + 1);
        });

        it('a first publish closed unmerged leaves no publication and frees its subdomain for another workspace', { timeout }, async () => {
          const storage = await fresh();
          const workspace = workspaceFixture();
          const only = await published(storage, workspace, 'first-try', 100);
          await storage.transitionRequest({ ...closeAt(only, 200), ...none });
          expect(await storage.getPublication({ workspaceId: workspace.id })).toBeNull();
          expect(await storage.getSubdomainClaim({ subdomain: 'first-try' })).toBeNull();
          const other = requestFixture({ subdomain: 'first-try' });
          await expect(create(storage, other)).resolves.toMatchObject({ id: other.id });
        });

        it('going back skips earlier publishes that were closed unmerged too', { timeout }, async () => {
          const storage = await fresh();
          const workspace = workspaceFixture();
          const first = await published(storage, workspace, 'one', 100);
          const second = await published(storage, workspace, 'two', 200);
          const third = await published(storage, workspace, 'three', 300);
          await storage.transitionRequest({ ...closeAt(third, 400), ...none });
          expect((await storage.getPublication({ workspaceId: workspace.id }))?.requestId).toBe(second.id);
          await storage.transitionRequest({
            ...closeAt(second, 500),
            ...none,
          });
          expect((await storage.getPublication({ workspaceId: workspace.id }))?.requestId).toBe(first.id);
          expect((await storage.getPublication({ workspaceId: workspace.id }))?.sha).toBe(first.sha);
        });

        it('a request closed unmerged after a newer publish replaced it leaves the newer publication', { timeout }, async () => {
          const storage = await fresh();
          const workspace = workspaceFixture();
          await published(storage, workspace, 'one', 100);
          const second = await published(storage, workspace, 'two', 200);
          const third = await published(storage, workspace, 'three', 300);
          const before = await storage.getPublication({ workspaceId: workspace.id });
          await storage.transitionRequest({ ...closeAt(second, 400), ...none });
          expect(await storage.getPublication({ workspaceId: workspace.id })).toEqual(before);
          expect(before?.requestId).toBe(third.id);
          expect(await storage.getSubdomainClaim({ subdomain: 'three' })).toEqual({ subdomain: 'three', workspaceId: workspace.id });
        });

        it('other delivery moves (merged, live, deploy-failed) leave the publication as it is', { timeout }, async () => {
          const storage = await fresh();
          const workspace = workspaceFixture();
          await published(storage, workspace, 'one', 100);
          const second = await published(storage, workspace, 'two', 200);
          const before = await storage.getPublication({ workspaceId: workspace.id });
          const merged = await storage.transitionRequest({
            ...moveDeliveryWith(second, { state: 'merged', at: at(300), mergeSha: fakeSha(300) }, at(300)),
            ...none,
          });
          await storage.transitionRequest({ ...moveDeliveryWith(merged, { state: 'deploy-failed', at: at(400) }, at(400)), ...none });
          expect(await storage.getPublication({ workspaceId: workspace.id })).toEqual(before);
        });

        it('a request reopened and merged after closing is the publication again, unless a newer publish replaced it', {
          timeout,
        }, async () => {
          const storage = await fresh();
          const workspace = workspaceFixture();
          const first = await published(storage, workspace, 'one', 100);
          const closed = await storage.transitionRequest({ ...closeAt(first, 200), ...none });
          expect(await storage.getPublication({ workspaceId: workspace.id })).toBeNull();
          await storage.transitionRequest({
            ...moveDeliveryWith(closed, { state: 'merged', at: at(300), mergeSha: fakeSha(300) }, at(300)),
            ...none,
          });
          expect(await storage.getPublication({ workspaceId: workspace.id })).toMatchObject({
            requestId: first.id,
            subdomain: 'one',
            publishedAt: at(300),
          });
          expect(await storage.getSubdomainClaim({ subdomain: 'one' })).toEqual({ subdomain: 'one', workspaceId: workspace.id });

          const second = await published(storage, workspace, 'two', 400);
          const closedSecond = await storage.transitionRequest({ ...closeAt(second, 500), ...none });
          const third = await published(storage, workspace, 'three', 600);
          await storage.transitionRequest({
            ...moveDeliveryWith(closedSecond, { state: 'merged', at: at(700), mergeSha: fakeSha(700) }, at(700)),
            ...none,
          });
          expect((await storage.getPublication({ workspaceId: workspace.id }))?.requestId).toBe(third.id);
        });

        it('a publication that comes back leaves its subdomain to a workspace that claimed it meanwhile', { timeout }, async () => {
          const storage = await fresh();
          const workspace = workspaceFixture();
          const first = await published(storage, workspace, 'wanted', 100);
          const second = await published(storage, workspace, 'renamed', 200);
          // The rename released 'wanted'; another workspace takes it.
          const other = await create(storage, requestFixture({ subdomain: 'wanted' }));
          await storage.transitionRequest({ ...closeAt(second, 300), ...none });
          expect(await storage.getPublication({ workspaceId: workspace.id })).toMatchObject({ requestId: first.id, sha: first.sha });
          expect(await storage.getSubdomainClaim({ subdomain: 'wanted' })).toEqual({
            subdomain: 'wanted',
            workspaceId: other.workspace.id,
          });
          expect(await storage.getSubdomainClaim({ subdomain: 'renamed' })).toBeNull();
        });

        it('after that, a later change of the workspace (a request submitted and withdrawn) neither takes the subdomain back nor fails', {
          timeout,
        }, async () => {
          const storage = await fresh();
          const workspace = workspaceFixture();
          await published(storage, workspace, 'wanted', 100);
          const second = await published(storage, workspace, 'renamed', 200);
          const other = await create(storage, requestFixture({ subdomain: 'wanted' }));
          await storage.transitionRequest({ ...closeAt(second, 300), ...none });
          const next = await create(storage, requestFixture({ workspace, subdomain: 'another-name', createdAt: at(400) }));
          const withdrawn = await storage.transitionRequest({ id: next.id, expectedVersion: 1, next: advance(next, 'withdrawn'), ...none });
          expect(withdrawn.status).toBe('withdrawn');
          expect(await storage.getSubdomainClaim({ subdomain: 'wanted' })).toEqual({
            subdomain: 'wanted',
            workspaceId: other.workspace.id,
          });
          expect(await storage.getSubdomainClaim({ subdomain: 'another-name' })).toBeNull();
        });
      });

      it('claimDeliveryChecks with pacing claims only as many as get a slot by notAfter, takes exactly those slots, and leaves the rest due', {
        timeout,
      }, async () => {
        const storage = await fresh();
        const limits = [{ max: 3, perMs: 60_000 }];
        const claim = (seconds: number, notAfter: number) =>
          storage.claimDeliveryChecks({
            now: at(seconds),
            limit: 10,
            intervalMs: 100_000,
            pacing: { key: 'host', limits, notAfter: at(notAfter) },
          });
        for (let number = 1; number <= 4; number += 1) await delivered(storage, number, at(0));
        // One slot already taken (a publish), so two are left in this window.
        await storage.reservePacing({ key: 'host', now: at(100), limits });
        const first = await claim(100, 100);
        expect(first).toHaveLength(2);
        // The budget is spent until 160: nothing is claimed, and the two left stay due.
        expect(await claim(100, 159)).toEqual([]);
        expect((await storage.reservePacing({ key: 'host', now: at(100), limits })).at).toBe(at(160));
        const later = await claim(160, 160);
        expect(later).toHaveLength(2);
        expect(new Set([...first, ...later].map((request) => request.id)).size).toBe(4);
        // With nothing due, no slot is taken: three are still free at 220.
        expect(await claim(170, 250)).toEqual([]);
        const slots = [];
        for (let index = 0; index < 3; index += 1) slots.push((await storage.reservePacing({ key: 'host', now: at(170), limits })).at);
        expect(slots).toEqual([at(220), at(220), at(220)]);
      });

      it('claimDeliveryChecks with pacing takes pacing.slots of a delivery state per request, in order: one that does not fit is not overtaken', {
        timeout,
      }, async () => {
        const storage = await fresh();
        const limits = [{ max: 3, perMs: 60_000 }];
        const claim = (seconds: number) =>
          storage.claimDeliveryChecks({
            now: at(seconds),
            limit: 10,
            intervalMs: 60_000,
            pacing: { key: 'host', limits, notAfter: at(seconds), slots: { merged: 2 } },
          });
        const merged = await moveDelivery(storage, await delivered(storage, 1, at(0)), {
          state: 'merged',
          at: at(0),
          mergeSha: fakeSha(1),
        });
        const open = await delivered(storage, 2, at(10));
        await storage.reservePacing({ key: 'host', now: at(100), limits });
        await storage.reservePacing({ key: 'host', now: at(100), limits });
        // One slot is left; the merged request needs two, and the open one waits behind it.
        expect(await claim(100)).toEqual([]);
        expect((await claim(160)).map((request) => request.id)).toEqual([merged.id, open.id]);
        // Three slots taken at 160: the next is a window later.
        expect((await storage.reservePacing({ key: 'host', now: at(160), limits })).at).toBe(at(220));
      });

      it('concurrent claimDeliveryChecks never hand out one request twice in an interval', { timeout }, async () => {
        const storage = await fresh();
        for (let number = 1; number <= 6; number += 1) await delivered(storage, number);
        const claims = await Promise.all(
          Array.from({ length: 4 }, () => storage.claimDeliveryChecks({ now: at(100), limit: 3, intervalMs: 60_000 })),
        );
        const ids = claims.flat().map((request) => request.id);
        expect(ids).toHaveLength(6);
        expect(new Set(ids).size).toBe(6);
      });
    });

    describe('publish jobs', () => {
      // A request moved to approving with its job, as the gate stores it.
      async function approving(storage: StoragePort, runAt = at(0), leaseUntil?: string) {
        const request = await create(storage, requestFixture());
        return storage.transitionRequest({
          id: request.id,
          expectedVersion: 1,
          next: advance(request, 'approving'),
          ...none,
          job: { requestId: request.id, runAt, ...(leaseUntil ? { leaseUntil } : {}) },
        });
      }

      it('a job stored with its request is returned by getJob and claimed once its runAt has come', { timeout }, async () => {
        const storage = await fresh();
        const request = await approving(storage, at(10));
        expect(await storage.getJob({ requestId: request.id })).toEqual({ requestId: request.id, runAt: at(10) });
        expect(await storage.claimJobs({ now: at(9), limit: 10, leaseMs: 5_000 })).toEqual([]);
        expect(await storage.claimJobs({ now: at(10), limit: 10, leaseMs: 5_000 })).toEqual([
          { requestId: request.id, runAt: at(10), leaseUntil: at(15) },
        ]);
        expect(await storage.getJob({ requestId: request.id })).toEqual({ requestId: request.id, runAt: at(10), leaseUntil: at(15) });
      });

      it('a trusted request created in approving stores its job in the same write', { timeout }, async () => {
        const storage = await fresh();
        const request = requestFixture({ status: 'approving' });
        await storage.createRequest({ request, ...none, job: { requestId: request.id, runAt: at(1) } });
        expect(await storage.getJob({ requestId: request.id })).toEqual({ requestId: request.id, runAt: at(1) });
      });

      it('a job for another request or for a request not approving is refused with validation and changes nothing', {
        timeout,
      }, async () => {
        const storage = await fresh();
        const request = await create(storage, requestFixture());
        await expectErrorCode(
          storage.transitionRequest({
            id: request.id,
            expectedVersion: 1,
            next: advance(request, 'rejected'),
            ...none,
            job: { requestId: request.id, runAt: at(0) },
          }),
          'validation',
        );
        await expectErrorCode(
          storage.transitionRequest({
            id: request.id,
            expectedVersion: 1,
            next: advance(request, 'approving'),
            ...none,
            job: { requestId: 'someone-else', runAt: at(0) },
          }),
          'validation',
        );
        expect(await storage.getRequest({ id: request.id })).toEqual(request);
        expect(await storage.getJob({ requestId: request.id })).toBeNull();
      });

      it('a leased job is not claimed again until its lease runs out; then another worker gets it', { timeout }, async () => {
        const storage = await fresh();
        const request = await approving(storage);
        expect(await storage.claimJobs({ now: at(0), limit: 10, leaseMs: 30_000 })).toHaveLength(1);
        expect(await storage.claimJobs({ now: at(29), limit: 10, leaseMs: 30_000 })).toEqual([]);
        expect(await storage.claimJobs({ now: at(30), limit: 10, leaseMs: 30_000 })).toEqual([
          { requestId: request.id, runAt: at(0), leaseUntil: at(60) },
        ]);
      });

      it('a job stored already leased (the deciding server runs it) is not claimed before the lease runs out', { timeout }, async () => {
        const storage = await fresh();
        await approving(storage, at(0), at(20));
        expect(await storage.claimJobs({ now: at(19), limit: 10, leaseMs: 5_000 })).toEqual([]);
        expect(await storage.claimJobs({ now: at(20), limit: 10, leaseMs: 5_000 })).toHaveLength(1);
      });

      it('a transition that keeps approving replaces the job (rescheduled, lease released); one without a job keeps it', {
        timeout,
      }, async () => {
        const storage = await fresh();
        const first = await approving(storage);
        await storage.claimJobs({ now: at(0), limit: 10, leaseMs: 60_000 });
        const kept = await storage.transitionRequest({ id: first.id, expectedVersion: 2, next: advance(first, 'approving'), ...none });
        expect(await storage.getJob({ requestId: first.id })).toEqual({ requestId: first.id, runAt: at(0), leaseUntil: at(60) });
        await storage.transitionRequest({
          id: first.id,
          expectedVersion: 3,
          next: advance(kept, 'approving'),
          ...none,
          job: { requestId: first.id, runAt: at(90), slotAt: at(90) },
        });
        expect(await storage.getJob({ requestId: first.id })).toEqual({ requestId: first.id, runAt: at(90), slotAt: at(90) });
        expect(await storage.claimJobs({ now: at(89), limit: 10, leaseMs: 60_000 })).toEqual([]);
        expect(await storage.claimJobs({ now: at(90), limit: 10, leaseMs: 60_000 })).toHaveLength(1);
      });

      it('a completed job (its request moved on) is never claimed again', { timeout }, async () => {
        const storage = await fresh();
        for (const status of ['approved', 'failed'] as const) {
          const request = await approving(storage);
          await storage.transitionRequest({ id: request.id, expectedVersion: 2, next: advance(request, status), ...none });
          expect(await storage.getJob({ requestId: request.id })).toBeNull();
        }
        expect(await storage.claimJobs({ now: at(100_000), limit: 10, leaseMs: 5_000 })).toEqual([]);
      });

      it('claims come earliest runAt first and stop at the limit', { timeout }, async () => {
        const storage = await fresh();
        const late = await approving(storage, at(5));
        const early = await approving(storage, at(1));
        const middle = await approving(storage, at(3));
        const claimed = await storage.claimJobs({ now: at(10), limit: 2, leaseMs: 5_000 });
        expect(claimed.map((job) => job.requestId)).toEqual([early.id, middle.id]);
        expect((await storage.claimJobs({ now: at(10), limit: 2, leaseMs: 5_000 })).map((job) => job.requestId)).toEqual([late.id]);
      });

      it('8 concurrent claimers: every job is claimed exactly once', { timeout }, async () => {
        const storage = await fresh();
        for (let index = 0; index < 24; index += 1) await approving(storage);
        const batches = await Promise.all(Array.from({ length: 8 }, () => storage.claimJobs({ now: at(0), limit: 5, leaseMs: 60_000 })));
        const ids = batches.flat().map((job) => job.requestId);
        expect(ids).toHaveLength(24);
        expect(new Set(ids).size).toBe(24);
      });
    });

    describe('pacing', () => {
      const perMinute = [{ max: 3, perMs: 60_000 }];

      it('reservePacing hands out now while the budget lasts, then the time the oldest leaves the window', { timeout }, async () => {
        const storage = await fresh();
        const slots = [];
        for (let index = 0; index < 5; index += 1)
          slots.push((await storage.reservePacing({ key: 'k', now: at(0), limits: perMinute })).at);
        expect(slots).toEqual([at(0), at(0), at(0), at(60), at(60)]);
      });

      it('keys are independent budgets, and every limit holds at once', { timeout }, async () => {
        const storage = await fresh();
        const limits = [
          { max: 2, perMs: 10_000 },
          { max: 3, perMs: 60_000 },
        ];
        const slots = [];
        for (let index = 0; index < 4; index += 1) slots.push((await storage.reservePacing({ key: 'a', now: at(0), limits })).at);
        expect(slots).toEqual([at(0), at(0), at(10), at(60)]);
        expect((await storage.reservePacing({ key: 'b', now: at(0), limits })).at).toBe(at(0));
      });

      it('reservations never go back in time, and old ones stop counting', { timeout }, async () => {
        const storage = await fresh();
        for (let index = 0; index < 3; index += 1) await storage.reservePacing({ key: 'k', now: at(0), limits: perMinute });
        expect((await storage.reservePacing({ key: 'k', now: at(30), limits: perMinute })).at).toBe(at(60));
        expect((await storage.reservePacing({ key: 'k', now: at(500), limits: perMinute })).at).toBe(at(500));
      });

      it('reservePacing with notAfter reserves nothing when the slot would be later, and says when it would have been', {
        timeout,
      }, async () => {
        const storage = await fresh();
        for (let index = 0; index < 3; index += 1) {
          expect(await storage.reservePacing({ key: 'k', now: at(0), limits: perMinute, notAfter: at(1) })).toMatchObject({ at: at(0) });
        }
        expect(await storage.reservePacing({ key: 'k', now: at(0), limits: perMinute, notAfter: at(1) })).toEqual({
          at: at(60),
          reserved: false,
        });
        // The refused one took nothing: the next slot is still the first one free.
        expect((await storage.reservePacing({ key: 'k', now: at(0), limits: perMinute })).at).toBe(at(60));
        expect((await storage.reservePacing({ key: 'k', now: at(0), limits: perMinute })).at).toBe(at(60));
      });

      it('8 concurrent reservations get slots that together keep the limit', { timeout }, async () => {
        const storage = await fresh();
        const slots = await Promise.all(
          Array.from({ length: 8 }, () => storage.reservePacing({ key: 'k', now: at(0), limits: perMinute }).then((slot) => slot.at)),
        );
        expect([...slots].sort()).toEqual([at(0), at(0), at(0), at(60), at(60), at(60), at(120), at(120)]);
      });
    });

    if (options.createShared) {
      const createShared = options.createShared;
      describe('several instances over one store', () => {
        it('concurrent transitions from separate instances: exactly one wins', { timeout }, async () => {
          const { instances, destroy } = await createShared(4);
          try {
            const [first] = instances;
            if (!first) throw new Error('createShared returned no instances');
            const request = await create(first, requestFixture());
            const results = await Promise.allSettled(
              instances.flatMap((storage, index) =>
                Array.from({ length: 5 }, (_, attempt) =>
                  storage.transitionRequest({
                    id: request.id,
                    expectedVersion: 1,
                    next: advance(request, (index + attempt) % 2 === 0 ? 'approving' : 'rejected'),
                    audit: [auditFixture(request, { type: 'request.approving' })],
                    outbox: [notificationFixture()],
                  }),
                ),
              ),
            );
            expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
            for (const result of results)
              if (result.status === 'rejected') expect(PublishGateError.is(result.reason, 'conflict')).toBe(true);
            expect(await counts(first)).toEqual({ audit: 2, outbox: 2 });
          } finally {
            await destroy();
          }
        });

        it('two workspaces claiming one subdomain from separate instances: exactly one wins', { timeout }, async () => {
          const { instances, destroy } = await createShared(2);
          try {
            const [a, b] = instances;
            if (!a || !b) throw new Error('createShared returned too few instances');
            const results = await Promise.allSettled([
              create(a, requestFixture({ subdomain: 'contested' })),
              create(b, requestFixture({ subdomain: 'Contested' })),
            ]);
            expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
            const loser = results.find((result) => result.status === 'rejected');
            expect(loser && PublishGateError.is(loser.reason, 'subdomain_unavailable')).toBe(true);
          } finally {
            await destroy();
          }
        });

        it('one workspace submitting twice from separate instances: exactly one wins', { timeout }, async () => {
          const { instances, destroy } = await createShared(2);
          try {
            const [a, b] = instances;
            if (!a || !b) throw new Error('createShared returned too few instances');
            const workspace = workspaceFixture();
            const results = await Promise.allSettled([create(a, requestFixture({ workspace })), create(b, requestFixture({ workspace }))]);
            expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
            const loser = results.find((result) => result.status === 'rejected');
            expect(loser && PublishGateError.is(loser.reason, 'in_flight')).toBe(true);
          } finally {
            await destroy();
          }
        });

        it('concurrent outbox claims from separate instances never hand out the same row', { timeout }, async () => {
          const { instances, destroy } = await createShared(3);
          try {
            const [first] = instances;
            if (!first) throw new Error('createShared returned no instances');
            await first.putTrust({ grant: trustFixture(), audit: [], outbox: Array.from({ length: 40 }, () => notificationFixture()) });
            const batches = await Promise.all(
              instances.flatMap((storage) => [0, 1].map(() => storage.claimOutbox({ now: at(0), limit: 10, leaseMs: 60_000 }))),
            );
            const ids = batches.flat().map((item) => item.notification.id);
            expect(new Set(ids).size).toBe(ids.length);
            expect(ids.length).toBe(40);
          } finally {
            await destroy();
          }
        });

        it('8 claimers on separate instances: every job is claimed exactly once', { timeout }, async () => {
          const { instances, destroy } = await createShared(4);
          try {
            const [first] = instances;
            if (!first) throw new Error('createShared returned no instances');
            const ids: string[] = [];
            for (let index = 0; index < 32; index += 1) {
              const request = await create(first, requestFixture());
              await first.transitionRequest({
                id: request.id,
                expectedVersion: 1,
                next: advance(request, 'approving'),
                ...none,
                job: { requestId: request.id, runAt: at(0) },
              });
              ids.push(request.id);
            }
            const batches = await Promise.all(
              instances.flatMap((storage) => [0, 1].map(() => storage.claimJobs({ now: at(0), limit: 6, leaseMs: 60_000 }))),
            );
            const claimed = batches.flat().map((job) => job.requestId);
            expect(new Set(claimed).size).toBe(claimed.length);
            expect(claimed.length).toBe(32);
            expect([...claimed].sort()).toEqual([...ids].sort());
          } finally {
            await destroy();
          }
        });

        it('reservations from separate instances share one budget', { timeout }, async () => {
          const { instances, destroy } = await createShared(4);
          try {
            const limits = [{ max: 5, perMs: 60_000 }];
            const slots = await Promise.all(
              instances.flatMap((storage) =>
                [0, 1, 2].map(() => storage.reservePacing({ key: 'shared', now: at(0), limits }).then((slot) => slot.at)),
              ),
            );
            expect([...slots].sort()).toEqual([...Array(5).fill(at(0)), ...Array(5).fill(at(60)), at(120), at(120)]);
          } finally {
            await destroy();
          }
        });
      });
    }
  });
}
