import { createFetchHandler } from '@publishgate/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { admin, builder, builder2, setup, workspace, workspace2 } from '../helpers';
import { BASE_PATH, bearer, hostOptions, idleWorkspace, storageState } from './harness';

const RUNS = 2_000;

// Values that pass some validation, some that fail it, and some hostile ones, for every field.
const anyValue = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1, 2, 1.5, 1e308, '', ' ', 'x', '__proto__', 'constructor', '\u0000', '\u2028'),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);
// Mostly plausible values, so that calls get past parsing into the gate's own checks.
const plausible = <T>(values: fc.Arbitrary<T>) => fc.oneof({ weight: 9, arbitrary: values }, { weight: 1, arbitrary: anyValue });
const ids = plausible(fc.constantFrom(workspace.id, workspace2.id, idleWorkspace.id, 'ws-missing', builder.id, builder2.id, 'bp-shop'));
const subdomains = plausible(
  fc.constantFrom('bobs-bikes', 'carols-blog', 'www', '-x-', 'a--b', 'fresh-name', 'UPPER', 'shop-2', 'idle-app', 'new-site'),
);
const texts = plausible(
  fc.oneof({ weight: 5, arbitrary: fc.string({ maxLength: 60 }) }, { weight: 1, arbitrary: fc.constant('x'.repeat(2_001)) }),
);
const versions = plausible(fc.integer({ min: -1, max: 6 }));
const timestamps = plausible(fc.constantFrom('2030-01-01T00:00:00.000Z', '2000-01-01T00:00:00.000Z', 'tomorrow'));
const emails = plausible(fc.constantFrom('bob@example.com', 'carol@example.com', 'not-an-email'));

/** A body: raw text, arbitrary JSON, or an object with the route's fields (valid-ish or not) and maybe extra keys. */
function bodies(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<string> {
  const keys = Object.keys(fields);
  const structured = fc
    .tuple(
      fc.record(fields),
      fc.subarray(keys, { maxLength: Math.min(2, keys.length) }),
      fc.dictionary(fc.string({ maxLength: 8 }), anyValue, { maxKeys: 2 }),
      fc.integer({ min: 0, max: 4 }),
    )
    .map(([known, dropped, extra, dice]) => {
      const kept = Object.fromEntries(Object.entries(known).filter(([key]) => dice === 0 || !dropped.includes(key)));
      return JSON.stringify(dice === 1 ? { ...extra, ...kept } : kept);
    });
  return fc.oneof(
    { weight: 6, arbitrary: structured },
    { weight: 1, arbitrary: fc.json() },
    { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
    { weight: 1, arbitrary: fc.constantFrom('', '{', 'null', '[]', '{"a":', '\uFEFF{}', '{}'.padEnd(70_000, ' ')) },
  );
}

const callers = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<Record<string, string>>(bearer(admin), bearer(builder), bearer(builder2)) },
  { weight: 1, arbitrary: fc.constantFrom<Record<string, string>>({}, { authorization: 'Bearer x' }) },
);
const contentTypes = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON') },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', '') },
);

type Route = { name: string; method: string; path: (requestIds: string[]) => fc.Arbitrary<string>; body: fc.Arbitrary<string> };

const actionPath = (action: string) => (requestIds: string[]) =>
  fc
    .oneof(
      fc.constantFrom(...requestIds),
      fc.constantFrom('req-missing', '%20', '..', 'a%2Fb'),
      fc.string({ maxLength: 10 }).map(encodeURIComponent),
    )
    .map((id) => `/requests/${id}/${action}`);

const routes: Route[] = [
  {
    name: 'POST /requests',
    method: 'POST',
    path: () => fc.constant('/requests'),
    // Mostly the one workspace that can still be published (builder2's), so a success is reachable.
    body: bodies({
      workspaceId: plausible(
        fc.constantFrom(idleWorkspace.id, idleWorkspace.id, idleWorkspace.id, workspace.id, workspace2.id, 'ws-missing'),
      ),
      subdomain: subdomains,
      note: texts,
      idempotencyKey: fc.oneof(fc.constantFrom('k-1', 'k-2'), anyValue),
    }),
  },
  {
    name: 'POST /requests/:id/approve',
    method: 'POST',
    path: actionPath('approve'),
    body: bodies({ comment: texts, expectedVersion: versions }),
  },
  {
    name: 'POST /requests/:id/reject',
    method: 'POST',
    path: actionPath('reject'),
    body: bodies({ feedback: texts, expectedVersion: versions }),
  },
  { name: 'POST /requests/:id/withdraw', method: 'POST', path: actionPath('withdraw'), body: bodies({ expectedVersion: versions }) },
  { name: 'POST /requests/:id/retry', method: 'POST', path: actionPath('retry'), body: bodies({ expectedVersion: versions }) },
  {
    name: 'PUT /trust',
    method: 'PUT',
    path: () => fc.constant('/trust'),
    body: bodies({ blueprintId: ids, userId: ids, email: emails, trusted: fc.oneof(fc.boolean(), anyValue), expiresAt: timestamps }),
  },
];

/** A fresh gate with a pending request (builder), a failed one (builder2) and a publishable idle workspace. */
async function seeded() {
  const context = setup();
  const handler = createFetchHandler(context.gate, {
    ...hostOptions(),
    basePath: BASE_PATH,
    onError: (error) => {
      throw error;
    },
  });
  const { gate, git } = context;
  git.write(workspace, 'index.html', 'bob\n');
  git.write(workspace2, 'index.html', 'carol\n');
  git.write(idleWorkspace, 'index.html', 'idle\n');
  const pending = await gate.requestPublish({ workspace, subdomain: 'bobs-bikes', actor: builder });
  const other = await gate.requestPublish({ workspace: workspace2, subdomain: 'carols-blog', actor: builder2 });
  git.failNext('push', Object.assign(new Error('fake git: injected push failure'), { retryable: false }));
  const failed = await gate.approve({ id: other.id, actor: admin });
  return { handler, storage: context.storage, requestIds: [pending.id, failed.id] };
}

describe(`random bodies (${RUNS} per mutating route): never a 5xx, never a state change on a 4xx`, () => {
  it.each(routes)('$name', async (route) => {
    const { handler, storage, requestIds } = await seeded();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(route.path(requestIds), route.body, callers, contentTypes, async (path, body, caller, contentType) => {
        const before = await storageState(storage);
        const response = await handler(
          new Request(`http://localhost${BASE_PATH}${path}`, {
            method: route.method,
            headers: { ...caller, ...(contentType ? { 'content-type': contentType } : {}) },
            body,
          }),
        );
        const payload = await response.json();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect(response.status).toBeLessThan(500);
        if (response.status >= 400) {
          expect(payload.error.code).toEqual(expect.any(String));
          expect(await storageState(storage)).toBe(before);
        }
      }),
      { numRuns: RUNS },
    );
    // The generators must reach past parsing: refusals of the gate itself and at least one success.
    expect(statuses.get(400)).toBeGreaterThan(0);
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect([...statuses.keys()].filter((status) => status !== 400 && status !== 200).length).toBeGreaterThan(2);
  });
});
