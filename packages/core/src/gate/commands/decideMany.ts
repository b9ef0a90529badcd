import { PublishGateError } from '../../errors.js';
import { parseOrThrow } from '../../parse.js';
import { decideManyInputSchema } from '../../schemas/inputs.js';
import type { GateContext } from '../context.js';
import { checkTextLength } from '../policy.js';
import { runJob } from '../publishJob.js';
import type { DecisionResult } from '../types.js';
import { commitReview, reviewCommands } from './review.js';

/**
 * `gate.decideMany`: approves or rejects each request on its own, in the order given (no
 * all-or-nothing): one result per id, `ok` with the request as stored, or the error code the
 * single command would have answered. Resolves once every decision is stored; the publishes
 * approvals start run in the background (follow them with events), so a bulk call never waits
 * `publishWaitMs` per request.
 */
export async function decideMany(ctx: GateContext, rawInput: unknown): Promise<DecisionResult[]> {
  const { ids, decision, actor, comment, feedback } = parseOrThrow(decideManyInputSchema, rawInput, 'bulk decision');
  // Checked once for all, so a too-long text is one validation error rather than a hundred.
  checkTextLength(
    decision === 'approve' ? comment : feedback,
    ctx.policy.maxFeedbackLength,
    decision === 'approve' ? 'comment' : 'feedback',
  );
  const results: DecisionResult[] = [];
  for (const id of ids) {
    try {
      const { request, job } =
        decision === 'approve'
          ? await commitReview(ctx, reviewCommands.approve, { id, actor, ...(comment ? { comment } : {}) })
          : await commitReview(ctx, reviewCommands.reject, { id, actor, ...(feedback ? { feedback } : {}) });
      if (job) void runJob(ctx, job);
      results.push({ id, ok: true, request });
    } catch (error) {
      const known = PublishGateError.is(error) ? error : undefined;
      if (!known) ctx.onError(error);
      results.push({ id, ok: false, error: { code: known?.code ?? 'internal', message: known?.message ?? 'Internal error.' } });
    }
  }
  return results;
}
