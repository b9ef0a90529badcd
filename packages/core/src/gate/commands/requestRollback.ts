import { PublishGateError } from '../../errors.js';
import { checkPortResult } from '../../guardPort.js';
import { decide } from '../../lifecycle/decide.js';
import { parseOrThrow } from '../../parse.js';
import type { GitPort } from '../../ports/git.js';
import { rollbackCommitMessage } from '../../publishCommitMessage.js';
import type { Actor, DiffSummary, Publication, PublishRequest, Workspace } from '../../schemas/domain.js';
import { diffSummarySchema } from '../../schemas/domain.js';
import { previewRollbackInputSchema, requestRollbackInputSchema } from '../../schemas/inputs.js';
import { canSee, type GateContext } from '../context.js';
import { checkTextLength } from '../policy.js';
import { authorOf, newRequest, submitDraft } from './requestPublish.js';

/**
 * `gate.requestRollback`: the workspace owner or an admin asks to bring back the version an earlier
 * request published (its pull request merged, or live). The answer is an ordinary request
 * (`kind: 'rollback'`, `rollbackOf`) pinned to `GitPort.restore`'s commit: the earlier tree on top
 * of the current publication, so its diff is exactly what the rollback changes. It then goes the
 * way of every request (one in flight per workspace, trust, findings, review, publish, retries).
 * The subdomain stays the current publication's.
 */
export async function requestRollback(ctx: GateContext, rawInput: unknown): Promise<PublishRequest> {
  const { workspace, toRequestId, actor, note } = parseOrThrow(requestRollbackInputSchema, rawInput, 'rollback request');
  checkTextLength(note, ctx.policy.maxNoteLength, 'note');
  const { draft, target, restore, event } = await checkRollback(ctx, { workspace, toRequestId, actor, note });
  return submitDraft(ctx, {
    draft,
    actor,
    event,
    pinnedBy: 'restore',
    pin: ({ publication: current, signal }) => {
      if (!current) throw new PublishGateError('nothing_to_publish', 'The workspace has nothing published to roll back from.');
      return restore({
        workspace,
        sha: target.sha,
        onto: current.sha,
        message: rollbackCommitMessage(workspace, draft.subdomain, draft.id, target.id, note),
        author: authorOf(actor),
        signal,
      });
    },
  });
}

/**
 * `gate.previewRollback`: the diff `requestRollback` would pin (exactly what it would change compared
 * with the current publication), with the same refusals; nothing is committed or stored: the earlier
 * commit's tree is diffed against the publication directly.
 */
export async function previewRollback(ctx: GateContext, rawInput: unknown): Promise<DiffSummary> {
  const { workspace, toRequestId, actor } = parseOrThrow(previewRollbackInputSchema, rawInput, 'rollback preview');
  const { target, publication } = await checkRollback(ctx, { workspace, toRequestId, actor, note: undefined });
  const baseline = { kind: 'publication' as const, sha: publication.sha };
  const diff = await ctx.git.preview({ workspace, baseline, sha: target.sha, signal: ctx.portSignal() });
  return checkPortResult(diffSummarySchema, diff, 'git', 'preview');
}

/** Everything a rollback is refused for before git is asked to make anything, and what it needs next. */
async function checkRollback(
  ctx: GateContext,
  args: { workspace: Workspace; toRequestId: string; actor: Actor; note: string | undefined },
): Promise<{
  draft: PublishRequest;
  target: PublishRequest;
  publication: Publication;
  restore: NonNullable<GitPort['restore']>;
  event: { rollbackTarget: PublishRequest };
}> {
  const { workspace, toRequestId, actor, note } = args;
  const restore = ctx.git.restore;
  if (!restore) {
    throw new PublishGateError('invalid_transition', 'Rollbacks need a git adapter with restore(); this one has none.');
  }
  const [target, publication] = await Promise.all([
    ctx.storage.getRequest({ id: toRequestId }),
    ctx.storage.getPublication({ workspaceId: workspace.id }),
  ]);
  // As for reading: a request the actor may not see is not named as existing.
  if (!target || !canSee(actor, target)) throw new PublishGateError('not_found', `No publish request ${toRequestId}.`);
  const at = ctx.now();
  const draft: PublishRequest = {
    ...newRequest(ctx, { workspace, actor, subdomain: publication?.subdomain ?? target.subdomain, at, note }),
    kind: 'rollback',
    rollbackOf: target.id,
  };
  const event = { rollbackTarget: target };
  // The machine's guards (owner or admin, same workspace, merged) refuse before git is asked anything.
  decide('draft', draft, { type: 'request.submit', actor, at, ...event }, ctx.machinePolicy);
  if (!publication || publication.requestId === target.id || publication.sha === target.sha) {
    throw new PublishGateError(
      'nothing_to_publish',
      'That version is what the workspace has published now; there is nothing to roll back.',
    );
  }
  return { draft, target, publication, restore, event };
}
