import { PublishGateError } from '../../errors.js';
import type { DeliveryEvent, RestoredPublication } from '../../lifecycle/machine.js';
import { parseOrThrow } from '../../parse.js';
import type { RequestCursor } from '../../ports/storage.js';
import type { PublishRequest } from '../../schemas/domain.js';
import { reportDeliveryInputSchema } from '../../schemas/inputs.js';
import { commit } from '../commit.js';
import type { GateContext } from '../context.js';
import type { DeliveryOutcome } from '../types.js';

const PAGE = 50;

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
          ? { type: 'delivery.closed', at, ...(await restoredPublication(ctx, request)) }
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

/**
 * What closing `request` unmerged gives its workspace back, as storage will apply it (see
 * `StoragePort.transitionRequest`), so the builder is told: read just before the write, so a
 * publish approved in between (rare: it needs a new request approved within that instant) makes it
 * stale, never the publication itself.
 */
async function restoredPublication(
  ctx: GateContext,
  request: PublishRequest,
): Promise<{ publicationRestored?: RestoredPublication | null }> {
  const publication = await ctx.storage.getPublication({ workspaceId: request.workspace.id });
  if (publication?.requestId !== request.id) return {};
  for (let after: RequestCursor | undefined; ; ) {
    const page = await ctx.storage.listRequests({
      filter: { workspaceId: request.workspace.id, status: ['approved'] },
      limit: PAGE,
      ...(after ? { after } : {}),
    });
    const earlier = page.find((candidate) => candidate.id !== request.id && candidate.delivery?.state !== 'closed-unmerged');
    if (earlier) return { publicationRestored: { requestId: earlier.id, sha: earlier.sha, subdomain: earlier.subdomain.toLowerCase() } };
    const last = page.at(-1);
    if (page.length < PAGE || !last) return { publicationRestored: null };
    after = { createdAt: last.createdAt, id: last.id };
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
