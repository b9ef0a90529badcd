import { PublishGateError } from '../../errors.js';
import type { DeploymentStatus, PullRequestStatus } from '../../ports/gitHost.js';
import type { PublishRequest } from '../../schemas/domain.js';
import type { GateContext } from '../context.js';
import { PACING_KEY, PACING_TOLERANCE_MS } from '../publishJob.js';
import { reportDelivery } from './delivery.js';

const PAGE = 50;

// Host requests one call makes; each takes a slot of the pacing budget. Reading a deployment is two
// on GitHub (the commit's newest deployment, then its newest status).
const PULL_REQUEST_CALLS = 1;
const DEPLOYMENT_CALLS = 2;
// What a check costs by delivery state, claimed with it: an open pull request is read, a merged
// one's deployment is. A pull request found merged reads its deployment only if slots are due now.
const CHECK_CALLS = { 'pull-request-open': PULL_REQUEST_CALLS, merged: DEPLOYMENT_CALLS } as const;

/**
 * Part of `sweep()`, for hosts without webhooks: asks the git host about approved requests whose
 * delivery may still change, each at most once per `policy.deliveryPollMs` (claimed in storage, so
 * servers sweeping together share the interval), and reports what changed through
 * {@link reportDelivery}. Needs `gitHost.getPullRequest` (and `getDeployment` for live and
 * failed deployments); without it, does nothing. Every host request takes a slot of the pacing
 * budget publishes use (`policy.publishPacing`, key {@link PACING_KEY}), so polls never push
 * publishes past it: a request is claimed only with a slot due now, and one whose slot is not due
 * stays due for a later sweep (this one does not wait). A failed call is told to `onError` and the
 * request is asked about again next interval; a rate limit stops this sweep's polling. Resolves
 * with the number of requests asked about.
 */
export async function pollDeliveries(ctx: GateContext): Promise<number> {
  if (!ctx.gitHost.getPullRequest) return 0;
  let checked = 0;
  for (;;) {
    const now = ctx.now();
    const pacing =
      ctx.policy.publishPacing.length > 0
        ? { key: PACING_KEY, limits: ctx.policy.publishPacing, notAfter: dueBy(now), slots: CHECK_CALLS }
        : undefined;
    const due = await ctx.storage.claimDeliveryChecks({
      now,
      limit: PAGE,
      intervalMs: ctx.policy.deliveryPollMs,
      ...(pacing ? { pacing } : {}),
    });
    for (const request of due) {
      checked += 1;
      try {
        await check(ctx, request);
      } catch (error) {
        ctx.onError(error);
        // The host asked us to slow down: the rest waits for a later sweep (their claims hold until then).
        if (PublishGateError.is(error) && error.rateLimited) return checked;
      }
    }
    if (due.length < PAGE) return checked;
  }
}

// A slot this close ahead is due now, as for publishes.
function dueBy(now: string): string {
  return new Date(Date.parse(now) + PACING_TOLERANCE_MS).toISOString();
}

/**
 * Takes `count` more slots of the budget, each due now; false (and the call waits for the
 * request's next check) as soon as one is not.
 */
async function takeSlots(ctx: GateContext, count: number): Promise<boolean> {
  if (ctx.policy.publishPacing.length === 0) return true;
  for (let index = 0; index < count; index += 1) {
    const now = ctx.now();
    const slot = await ctx.storage.reservePacing({ key: PACING_KEY, now, limits: ctx.policy.publishPacing, notAfter: dueBy(now) });
    if (slot.reserved === false || Date.parse(slot.at) > Date.parse(dueBy(now))) return false;
  }
  return true;
}

async function check(ctx: GateContext, request: PublishRequest): Promise<void> {
  const { pullRequest, branch, workspace } = request;
  let mergeSha = request.delivery?.mergeSha;
  // Slots still to take before reading the deployment (a merged delivery's were claimed with it).
  let owed = 0;
  if (request.delivery?.state === 'pull-request-open' && pullRequest && branch && ctx.gitHost.getPullRequest) {
    const status: PullRequestStatus = await ctx.gitHost.getPullRequest({
      number: pullRequest.number,
      branch,
      workspace,
      signal: ctx.portSignal(),
    });
    if (status.state === 'open') return;
    if (!status.merged) {
      await reportDelivery(ctx, { pullRequest: { number: pullRequest.number, branch }, event: 'closed' });
      return;
    }
    mergeSha = status.mergeSha;
    await reportDelivery(ctx, { pullRequest: { number: pullRequest.number, branch }, event: 'merged', ...(mergeSha ? { mergeSha } : {}) });
    owed = DEPLOYMENT_CALLS;
  }
  if (!mergeSha || !ctx.gitHost.getDeployment || !(await takeSlots(ctx, owed))) return;
  const deployment: DeploymentStatus | null = await ctx.gitHost.getDeployment({ sha: mergeSha, workspace, signal: ctx.portSignal() });
  if (!deployment) return;
  const target = pullRequest && branch ? { pullRequest: { number: pullRequest.number, branch } } : {};
  if (deployment.state === 'success') {
    await reportDelivery(ctx, { ...target, mergeSha, event: 'live', ...(deployment.url ? { deploymentUrl: deployment.url } : {}) });
  } else if (deployment.state === 'failure' || deployment.state === 'error') {
    await reportDelivery(ctx, { ...target, mergeSha, event: 'deploy_failed' });
  }
}
