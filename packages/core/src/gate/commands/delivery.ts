import { PublishGateError } from '../../errors.js';
import type { DeliveryEvent } from '../../lifecycle/machine.js';
import { parseOrThrow } from '../../parse.js';
import type { PublishRequest } from '../../schemas/domain.js';
import { reportDeliveryInputSchema } from '../../schemas/inputs.js';
import { commit } from '../commit.js';
import type { GateContext } from '../context.js';
import type { DeliveryOutcome } from '../types.js';

// A duplicate webhook racing the original (or a poll) loses the compare-and-set; it reads again.
const ATTEMPTS = 3;

/**
 * `gate.reportDelivery`: applies what the git host said about a pull request the gate opened
 * (from a webhook or a poll) to its request. Finds the request by pull request number and head
 * branch, else by merge commit; asks the machine, which moves a delivery only forward; stores the
 * change with its audit entry and builder notification. Idempotent and order-independent: a
 * repeated or stale report answers `unchanged`, one about a pull request the gate does not know
 * answers `unknown`; neither writes anything.
 */
export async function reportDelivery(ctx: GateContext, rawInput: unknown): Promise<DeliveryOutcome> {
  const input = parseOrThrow(reportDeliveryInputSchema, rawInput, 'delivery report');
  for (let attempt = 1; ; attempt += 1) {
    const request = await find(ctx, input.pullRequest, input.mergeSha);
    if (request?.status !== 'approved') return { outcome: 'unknown' };
    const at = ctx.now();
    const event: DeliveryEvent =
      input.event === 'merged'
        ? { type: 'delivery.merged', at, ...(input.mergeSha ? { mergeSha: input.mergeSha } : {}) }
        : input.event === 'closed'
          ? { type: 'delivery.closed', at }
          : input.event === 'live'
            ? {
                type: 'delivery.live',
                at,
                ...(input.mergeSha ? { mergeSha: input.mergeSha } : {}),
                ...(input.deploymentUrl ? { deploymentUrl: input.deploymentUrl } : {}),
              }
            : { type: 'delivery.deploy_failed', at, ...(input.mergeSha ? { mergeSha: input.mergeSha } : {}) };
    try {
      const { request: stored } = await commit(ctx, 'approved', request, event);
      return { outcome: 'updated', request: stored };
    } catch (error) {
      if (PublishGateError.is(error, 'invalid_transition')) return { outcome: 'unchanged', request };
      if (PublishGateError.is(error, 'conflict') && attempt < ATTEMPTS) continue;
      throw error;
    }
  }
}

async function find(
  ctx: GateContext,
  pullRequest: { number: number; branch: string } | undefined,
  mergeSha: string | undefined,
): Promise<PublishRequest | null> {
  if (pullRequest) {
    const found = await ctx.storage.findRequestByPullRequest(pullRequest);
    if (found) return found;
  }
  return mergeSha ? ctx.storage.findRequestByMergeSha({ sha: mergeSha }) : null;
}
