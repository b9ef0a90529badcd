import type * as z from 'zod';
import { PublishGateError } from '../../errors.js';
import type { PublishRequestEvent } from '../../lifecycle/machine.js';
import { parseOrThrow } from '../../parse.js';
import type { Actor, PublishRequest } from '../../schemas/domain.js';
import { approveInputSchema, rejectInputSchema, retryInputSchema, withdrawInputSchema } from '../../schemas/inputs.js';
import { commit } from '../commit.js';
import { type GateContext, loadVisible } from '../context.js';
import { checkTextLength } from '../policy.js';
import { publishAndWait } from '../publishJob.js';

type ReviewInput = { id: string; actor: Actor; expectedVersion?: number | undefined };

/** One command on an existing request: how to read its input and which machine event it sends. */
export type ReviewCommand<S extends z.ZodType<ReviewInput>> = {
  schema: S;
  /** Names the input in validation messages ("Invalid approval: …"). */
  what: string;
  /** The free text the policy bounds (`maxFeedbackLength`), if the command takes one. */
  text?: { field: string; of: (input: z.output<S>) => string | undefined };
  event: (input: z.output<S>, at: string) => PublishRequestEvent;
};

const command = <S extends z.ZodType<ReviewInput>>(row: ReviewCommand<S>) => row;

/** approve, reject, withdraw and retry: each a row, all run by {@link runReview}. */
export const reviewCommands = {
  approve: command({
    schema: approveInputSchema,
    what: 'approval',
    text: { field: 'comment', of: (input) => input.comment },
    event: ({ actor, comment }, at) => ({ type: 'review.approve', actor, at, ...(comment ? { comment } : {}) }),
  }),
  reject: command({
    schema: rejectInputSchema,
    what: 'rejection',
    text: { field: 'feedback', of: (input) => input.feedback },
    event: ({ actor, feedback }, at) => ({ type: 'review.reject', actor, at, ...(feedback ? { feedback } : {}) }),
  }),
  withdraw: command({
    schema: withdrawInputSchema,
    what: 'withdrawal',
    event: ({ actor }, at) => ({ type: 'request.withdraw', actor, at }),
  }),
  retry: command({
    schema: retryInputSchema,
    what: 'retry',
    event: ({ actor }, at) => ({ type: 'review.retry', actor, at }),
  }),
};

/**
 * Runs a command on a request the actor can see: checks the input, the version the actor
 * loaded (`expectedVersion`), commits what the machine decides, and runs the publish job when the
 * machine asked for one (approve and retry), resolving with its outcome if it comes within
 * `policy.publishWaitMs`.
 */
export async function runReview<S extends z.ZodType<ReviewInput>>(
  ctx: GateContext,
  row: ReviewCommand<S>,
  rawInput: unknown,
): Promise<PublishRequest> {
  const input = parseOrThrow(row.schema, rawInput, row.what);
  if (row.text) checkTextLength(row.text.of(input), ctx.policy.maxFeedbackLength, row.text.field);
  const current = await loadVisible(ctx, input.id, input.actor);
  if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
    throw new PublishGateError(
      'conflict',
      `The request changed since you loaded it (version ${current.version}, you had ${input.expectedVersion}).`,
    );
  }
  const { request, job } = await commit(ctx, current.status, current, row.event(input, ctx.now()));
  return job ? publishAndWait(ctx, request, job) : request;
}
