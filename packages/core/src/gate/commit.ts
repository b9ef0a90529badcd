import { decide, type LifecycleState } from '../lifecycle/decide.js';
import type { PublishRequestEvent } from '../lifecycle/machine.js';
import type { PublishJob, PublishRequest } from '../schemas/domain.js';
import type { GateContext } from './context.js';
import { requestSideWrites } from './sideWrites.js';

/** What a committed change left: the request as stored, and the publish job stored with it when the machine asked to publish. */
export type Committed = { request: PublishRequest; job: PublishJob | undefined };

/**
 * The one way a request changes. Asks the machine what `event` does to `request` in `state`,
 * builds the audit entries and notifications it declared, and stores all of it in one atomic
 * storage call: a new request (from `draft`) is created, an existing one is replaced with
 * compare-and-set on its version (a stale one is a `conflict` and changes nothing). When the
 * machine asks to publish, the same write stores the publish job, leased to this server, which
 * runs it next (see `publish`); `job` replaces the job of a request that stays in `approving`.
 * Events are emitted only after that call returned.
 */
export async function commit(
  ctx: GateContext,
  state: LifecycleState,
  request: PublishRequest,
  event: PublishRequestEvent,
  options: { idempotencyKey?: string; job?: PublishJob } = {},
): Promise<Committed> {
  const decision = decide(state, request, event, ctx.machinePolicy);
  const isNew = state === 'draft';
  const next: PublishRequest = { ...decision.request, version: isNew ? 1 : request.version + 1 };
  const settings = { ids: ctx.ids, baseDomain: ctx.policy.baseDomain, requestUrl: ctx.requestUrl };
  const job: PublishJob | undefined = decision.publish
    ? { requestId: next.id, runAt: event.at, leaseUntil: new Date(ctx.clock().getTime() + ctx.recoverAfterMs).toISOString() }
    : options.job;
  const writes = {
    ...requestSideWrites(settings, { from: isNew ? undefined : request.status, request: next, event, decision }),
    ...(job ? { job } : {}),
  };
  const stored = isNew
    ? await ctx.storage.createRequest({
        request: next,
        ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
        ...writes,
      })
    : await ctx.storage.transitionRequest({ id: request.id, expectedVersion: request.version, next, ...writes });
  ctx.emit(writes.audit, { request: stored });
  return { request: stored, job: decision.publish ? job : undefined };
}
