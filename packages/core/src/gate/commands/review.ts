import type * as z from 'zod';
import { PublishGateError } from '../../errors.js';
import { type PublishRequestEvent, unchangedSince } from '../../lifecycle/machine.js';
import { parseOrThrow } from '../../parse.js';
import type { Actor, PublishRequest } from '../../schemas/domain.js';
import { approveInputSchema, rejectInputSchema, retryInputSchema, withdrawInputSchema } from '../../schemas/inputs.js';
import { type Committed, commit } from '../commit.js';
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
  /**
   * When the write loses a race (`conflict`) to a change that kept the status (another approval
   * that did not meet the rule yet) and the caller gave no `expectedVersion`, read the request again
   * and apply the command once more: the machine judges it against the fresh state. A second loss,
   * or a race lost to a change of status, is the caller's `conflict`.
   */
  reapplyOnConflict?: boolean;
};

const command = <S extends z.ZodType<ReviewInput>>(row: ReviewCommand<S>) => row;

/** approve, reject, withdraw and retry: each a row, all run by {@link runReview}. */
export const reviewCommands = {
  approve: command({
    schema: approveInputSchema,
    what: 'approval',
    text: { field: 'comment', of: (input) => input.comment },
    event: ({ actor, comment }, at) => ({ type: 'review.approve', actor, at, ...(comment ? { comment } : {}) }),
    // Several approvers may approve at once under an N-of-M rule; each approval is kept or refused.
    reapplyOnConflict: true,
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
  const { request, job } = await commitReview(ctx, row, rawInput);
  return job ? publishAndWait(ctx, request, job) : request;
}

/**
 * The stored half of {@link runReview}: checks the input and commits what the machine decides;
 * the publish job it may have stored is the caller's to run.
 */
export async function commitReview<S extends z.ZodType<ReviewInput>>(
  ctx: GateContext,
  row: ReviewCommand<S>,
  rawInput: unknown,
): Promise<Committed> {
  const input = parseOrThrow(row.schema, rawInput, row.what);
  if (row.text) checkTextLength(row.text.of(input), ctx.policy.maxFeedbackLength, row.text.field);
  const current = await loadVisible(ctx, input.id, input.actor);
  // A reminder stores a new version but changes nothing a reviewer looks at: a decision made on
  // the request as it was before the reminders is not stale.
  if (input.expectedVersion !== undefined && (input.expectedVersion < unchangedSince(current) || input.expectedVersion > current.version)) {
    throw new PublishGateError(
      'conflict',
      `The request changed since you loaded it (version ${current.version}, you had ${input.expectedVersion}).`,
    );
  }
  let committed: Committed;
  try {
    committed = await commit(ctx, current.status, current, row.event(input, ctx.now()));
  } catch (error) {
    if (!PublishGateError.is(error, 'conflict')) throw error;
    const fresh = await loadVisible(ctx, input.id, input.actor);
    // Same version: the conflict was the machine's own verdict (approving twice), not a lost race.
    // Another status: the winner decided the request (met its rule, rejected it); the loser is told.
    if (fresh.version === current.version || fresh.status !== current.status) throw error;
    // Lost only to reminders: every command applies again. Lost to another change of the same
    // status (an approval short of the rule): only a command that allows it, and only when the
    // caller did not pin the version.
    const onlyReminders = unchangedSince(fresh) <= current.version;
    if (!onlyReminders && !(row.reapplyOnConflict && input.expectedVersion === undefined)) throw error;
    committed = await commit(ctx, fresh.status, fresh, row.event(input, ctx.now()));
  }
  return committed;
}
