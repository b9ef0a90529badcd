import { PublishGateError } from '../../errors.js';
import type { RequestCursor } from '../../ports/storage.js';
import { commit } from '../commit.js';
import type { GateContext } from '../context.js';
import { runPublish } from '../runPublish.js';
import type { SweepReport } from '../types.js';

const PAGE = 200;

/**
 * `gate.sweep`: expires overdue pending requests, resumes publishes interrupted by a crash, and
 * delivers the outbox. Safe on several servers at once: every move is a compare-and-set commit,
 * and a request someone else moved first is skipped.
 */
export async function sweep(ctx: GateContext): Promise<SweepReport> {
  await ctx.dispatcher?.idle();
  const at = ctx.now();
  const expired = await expireOverdue(ctx, at);
  const recovered = await resumeInterrupted(ctx, at);
  const delivery = ctx.dispatcher ? await ctx.dispatcher.drain() : { delivered: 0, failed: 0, deadLettered: 0 };
  return { expired, recovered, delivered: delivery.delivered, failedDeliveries: delivery.failed, deadLettered: delivery.deadLettered };
}

async function expireOverdue(ctx: GateContext, at: string): Promise<number> {
  let expired = 0;
  for (;;) {
    const overdue = await ctx.storage.listOverdueRequests({ now: at, limit: PAGE });
    let progressed = 0;
    for (const request of overdue) {
      if (await skipIfMoved(commit(ctx, request.status, request, { type: 'request.expire', at }))) progressed += 1;
    }
    expired += progressed;
    if (overdue.length < PAGE || progressed === 0) return expired;
  }
}

async function resumeInterrupted(ctx: GateContext, at: string): Promise<number> {
  const staleBefore = Date.parse(at) - ctx.recoverAfterMs;
  let recovered = 0;
  let after: RequestCursor | undefined;
  for (;;) {
    const approving = await ctx.storage.listRequests({ filter: { status: ['approving'] }, ...(after ? { after } : {}), limit: PAGE });
    for (const request of approving) {
      if (ctx.running.has(request.id) || Date.parse(request.updatedAt) > staleBefore) continue;
      // The resume is a compare-and-set commit, so two sweepers never both resume one publish.
      const resumed = await skipIfMoved(commit(ctx, 'approving', request, { type: 'publish.resume', at }));
      if (!resumed?.publish) continue;
      await runPublish(ctx, resumed.request);
      recovered += 1;
    }
    const last = approving.at(-1);
    if (!last || approving.length < PAGE) return recovered;
    after = { createdAt: last.createdAt, id: last.id };
  }
}

// Another server decided the request in the meantime; there is nothing left to do for it.
async function skipIfMoved<T>(change: Promise<T>): Promise<T | undefined> {
  try {
    return await change;
  } catch (error) {
    if (PublishGateError.is(error, 'conflict') || PublishGateError.is(error, 'invalid_transition')) return undefined;
    throw error;
  }
}
