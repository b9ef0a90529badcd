import { PublishGateError } from '../../errors.js';
import type { DeploymentStatus, PullRequestStatus } from '../../ports/gitHost.js';
import type { PublishRequest } from '../../schemas/domain.js';
import type { GateContext } from '../context.js';
import { reportDelivery } from './delivery.js';

const PAGE = 50;

/**
 * Part of `sweep()`, for hosts without webhooks: asks the git host about approved requests whose
 * delivery may still change, each at most once per `policy.deliveryPollMs` (claimed in storage, so
 * servers sweeping together share the interval), and reports what changed through
 * {@link reportDelivery}. Needs `gitHost.getPullRequest` (and `getDeployment` for live and
 * failed deployments); without it, does nothing. A failed call is told to `onError` and the
 * request is asked about again next interval; a rate limit stops this sweep's polling. Resolves
 * with the number of requests asked about.
 */
export async function pollDeliveries(ctx: GateContext): Promise<number> {
  if (!ctx.gitHost.getPullRequest) return 0;
  let checked = 0;
  for (;;) {
    const due = await ctx.storage.claimDeliveryChecks({ now: ctx.now(), limit: PAGE, intervalMs: ctx.policy.deliveryPollMs });
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

async function check(ctx: GateContext, request: PublishRequest): Promise<void> {
  const { pullRequest, branch, workspace } = request;
  let mergeSha = request.delivery?.mergeSha;
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
  }
  if (!mergeSha || !ctx.gitHost.getDeployment) return;
  const deployment: DeploymentStatus | null = await ctx.gitHost.getDeployment({ sha: mergeSha, workspace, signal: ctx.portSignal() });
  if (!deployment) return;
  const target = pullRequest && branch ? { pullRequest: { number: pullRequest.number, branch } } : {};
  if (deployment.state === 'success') {
    await reportDelivery(ctx, { ...target, mergeSha, event: 'live', ...(deployment.url ? { deploymentUrl: deployment.url } : {}) });
  } else if (deployment.state === 'failure' || deployment.state === 'error') {
    await reportDelivery(ctx, { ...target, mergeSha, event: 'deploy_failed' });
  }
}
