import { PublishGateError } from '../../errors.js';
import { scanFindings } from '../../findings.js';
import { checkPortResult } from '../../guardPort.js';
import { decide } from '../../lifecycle/decide.js';
import { parseOrThrow } from '../../parse.js';
import type { CommitAuthor } from '../../ports/git.js';
import { publishCommitMessage } from '../../publishCommitMessage.js';
import {
  type Actor,
  type Baseline,
  diffSummarySchema,
  type Publication,
  type PublishRequest,
  type PublishStatus,
  REVIEWED_BEFORE_STATUSES,
  type SincePrevious,
  shaSchema,
  type Workspace,
} from '../../schemas/domain.js';
import { requestPublishInputSchema } from '../../schemas/inputs.js';
import { commit } from '../commit.js';
import type { GateContext } from '../context.js';
import { checkTextLength } from '../policy.js';
import { publishAndWait } from '../publishJob.js';
import { baselineOf } from './preview.js';
import { requestableSubdomain } from './subdomains.js';

/**
 * `gate.requestPublish`: commits the workspace and stores a request pinned to that commit. The
 * machine decides where it lands (pending, or approving for a trusted builder, whose publish then
 * runs before this resolves). Idempotent per builder and `idempotencyKey`.
 */
export async function requestPublish(ctx: GateContext, rawInput: unknown): Promise<PublishRequest> {
  const { workspace, subdomain, actor, note, idempotencyKey } = parseOrThrow(requestPublishInputSchema, rawInput, 'publish request');
  checkTextLength(note, ctx.policy.maxNoteLength, 'note');
  const at = ctx.now();
  const draft = newRequest(ctx, { workspace, actor, subdomain, at, note });
  // The machine's guards (is this the owner?) refuse before anything is committed in the workspace.
  decide('draft', draft, { type: 'request.submit', actor, at }, ctx.machinePolicy);
  const normalized = requestableSubdomain(ctx, subdomain);
  if (idempotencyKey !== undefined) {
    const previous = await ctx.storage.findRequestByIdempotencyKey({ builderId: actor.id, key: idempotencyKey });
    if (previous) return sameOrConflict(previous, workspace.id, normalized);
  }
  const submitted = { ...draft, subdomain: normalized };
  return submitDraft(ctx, {
    draft: submitted,
    actor,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    pin: ({ baseline, signal }) =>
      ctx.git.commit({
        workspace,
        baseline,
        message: publishCommitMessage(workspace, normalized, draft.id, note),
        author: authorOf(actor),
        signal,
      }),
  });
}

/** What {@link submitDraft} needs: the draft (its subdomain normalised) and how to make the commit it pins. */
export type SubmitDraftArgs = {
  draft: PublishRequest;
  actor: Actor;
  idempotencyKey?: string;
  /** The git operation `pin` runs, named in a `port_failed` for a malformed answer. Default `commit`. */
  pinnedBy?: 'commit' | 'restore';
  /** Extra facts the machine's submit guards read (a rollback's target). */
  event?: { rollbackTarget?: PublishRequest };
  /**
   * Makes (or finds) the commit the request pins, once the in-flight and subdomain checks passed;
   * `publication` is the workspace's current one, `baseline` the diff baseline it gives.
   */
  pin: (args: { publication: Publication | null; baseline: Baseline; signal: AbortSignal }) => Promise<{ sha: string } | undefined>;
};

/**
 * The path every new request takes after its command-specific checks: fail early on an in-flight
 * request or a taken subdomain, pin a commit, diff it against the publication, scan the diff, then
 * one `commit()` from `draft` (trust, the blueprint's rule) and, for a trusted builder, the publish.
 */
export async function submitDraft(ctx: GateContext, args: SubmitDraftArgs): Promise<PublishRequest> {
  const { draft, actor, idempotencyKey } = args;
  const { workspace, subdomain } = draft;
  const [inFlight, claim, publication, trust, rule, [latest]] = await Promise.all([
    ctx.storage.getInFlightRequest({ workspaceId: workspace.id }),
    ctx.storage.getSubdomainClaim({ subdomain }),
    ctx.storage.getPublication({ workspaceId: workspace.id }),
    ctx.storage.getTrust({ blueprintId: workspace.blueprintId, userId: actor.id }),
    ctx.storage.getApprovalRule({ blueprintId: workspace.blueprintId }),
    ctx.storage.listRequests({ filter: { workspaceId: workspace.id }, limit: 1 }),
  ]);
  // Read first only to fail before committing; the storage enforces both rules on write.
  if (inFlight) throw new PublishGateError('in_flight', `This workspace already has a request that is ${inFlight.status}.`);
  if (claim && claim.workspaceId !== workspace.id) {
    throw new PublishGateError('subdomain_unavailable', `The subdomain "${subdomain}" is already used by another workspace.`);
  }

  const baseline = baselineOf(publication);
  const signal = ctx.portSignal();
  const sha = checkPortResult(shaSchema, (await args.pin({ publication, baseline, signal }))?.sha, 'git', args.pinnedBy ?? 'commit');
  const diff = checkPortResult(diffSummarySchema, await ctx.git.preview({ workspace, baseline, sha, signal }), 'git', 'preview');
  const previous = latest && isReviewedBefore(latest.status) ? latest : undefined;
  const sincePrevious = previous ? await sincePreviousOf(ctx, workspace, previous, sha, signal) : undefined;
  const submitted: PublishRequest = {
    ...draft,
    sha,
    baseline,
    diff,
    findings: scanFindings(diff, ctx.policy.findings),
    ...(previous ? { previousRequestId: previous.id } : {}),
    ...(sincePrevious ? { sincePrevious } : {}),
  };

  let stored: Awaited<ReturnType<typeof commit>>;
  try {
    // The machine copies the blueprint's rule onto the request: later rule changes never reach it.
    const event = { type: 'request.submit' as const, actor, at: draft.createdAt, trust, rule, ...args.event };
    stored = await commit(ctx, 'draft', submitted, event, idempotencyKey ? { idempotencyKey } : {});
  } catch (error) {
    // Two submits with one key raced; the loser answers with the winner's request. Which unique
    // rule a database reports first (key, in-flight, subdomain) varies, so look it up.
    if (idempotencyKey !== undefined && PublishGateError.is(error)) {
      const previous = await ctx.storage.findRequestByIdempotencyKey({ builderId: actor.id, key: idempotencyKey });
      if (previous) return sameOrConflict(previous, workspace.id, subdomain);
    }
    throw error;
  }
  return stored.job ? publishAndWait(ctx, stored.request, stored.job) : stored.request;
}

const isReviewedBefore = (status: PublishStatus): status is SincePrevious['status'] =>
  (REVIEWED_BEFORE_STATUSES as readonly PublishStatus[]).includes(status);

/**
 * What changed since the workspace's previous request was turned down: the diff between the two
 * pinned commits, with its feedback. Computed here, once, because both commits are fixed: storing
 * it keeps `getRequest` a storage read and the diff readable after the workspace's history moves on.
 */
async function sincePreviousOf(
  ctx: GateContext,
  workspace: Workspace,
  previous: PublishRequest,
  sha: string,
  signal: AbortSignal,
): Promise<SincePrevious | undefined> {
  if (!isReviewedBefore(previous.status)) return undefined;
  const diff = checkPortResult(
    diffSummarySchema,
    await ctx.git.preview({ workspace, baseline: { kind: 'commit', sha: previous.sha }, sha, signal }),
    'git',
    'preview',
  );
  const { decision } = previous;
  const rejection = previous.status === 'rejected' && decision?.kind === 'rejected' ? decision : undefined;
  const by = rejection && 'id' in rejection.by ? rejection.by : previous.status === 'withdrawn' ? previous.builder : undefined;
  return {
    requestId: previous.id,
    status: previous.status,
    sha: previous.sha,
    ...(rejection?.feedback ? { feedback: rejection.feedback } : {}),
    ...(by ? { by: { id: by.id, email: by.email } } : {}),
    at: rejection?.at ?? previous.updatedAt,
    diff,
  };
}

/** The git author of a commit made for `actor`. */
export function authorOf(actor: Actor): CommitAuthor {
  return { name: actor.name ?? actor.email, email: actor.email };
}

/** The request before it is committed: what the machine's submit guards look at. */
export function newRequest(
  ctx: GateContext,
  args: { workspace: Workspace; actor: Actor; subdomain: string; at: string; note: string | undefined },
): PublishRequest {
  const { pendingTtlMs } = ctx.policy;
  return {
    id: ctx.ids(),
    version: 1,
    status: 'pending',
    workspace: args.workspace,
    builder: { id: args.actor.id, email: args.actor.email },
    subdomain: args.subdomain,
    sha: '0'.repeat(40),
    baseline: { kind: 'blueprint' },
    diff: { files: [], additions: 0, deletions: 0, patch: '', truncated: false },
    findings: [],
    ...(args.note ? { note: args.note } : {}),
    createdAt: args.at,
    updatedAt: args.at,
    ...(pendingTtlMs === undefined ? {} : { expiresAt: new Date(Date.parse(args.at) + pendingTtlMs).toISOString() }),
  };
}

function sameOrConflict(previous: PublishRequest, workspaceId: string, subdomain: string): PublishRequest {
  if (previous.workspace.id === workspaceId && previous.subdomain === subdomain) return previous;
  throw new PublishGateError('conflict', 'This idempotency key was already used for a different publish request.');
}
