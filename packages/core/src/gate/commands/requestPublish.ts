import { PublishGateError } from '../../errors.js';
import { scanFindings } from '../../findings.js';
import { checkPortResult } from '../../guardPort.js';
import { decide } from '../../lifecycle/decide.js';
import { parseOrThrow } from '../../parse.js';
import { publishCommitMessage } from '../../publishCommitMessage.js';
import {
  type Actor,
  diffSummarySchema,
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
  const [inFlight, claim, publication, trust, rule, [latest]] = await Promise.all([
    ctx.storage.getInFlightRequest({ workspaceId: workspace.id }),
    ctx.storage.getSubdomainClaim({ subdomain: normalized }),
    ctx.storage.getPublication({ workspaceId: workspace.id }),
    ctx.storage.getTrust({ blueprintId: workspace.blueprintId, userId: actor.id }),
    ctx.storage.getApprovalRule({ blueprintId: workspace.blueprintId }),
    ctx.storage.listRequests({ filter: { workspaceId: workspace.id }, limit: 1 }),
  ]);
  // Read first only to fail before committing; the storage enforces both rules on write.
  if (inFlight) throw new PublishGateError('in_flight', `This workspace already has a request that is ${inFlight.status}.`);
  if (claim && claim.workspaceId !== workspace.id) {
    throw new PublishGateError('subdomain_unavailable', `The subdomain "${normalized}" is already used by another workspace.`);
  }

  const baseline = baselineOf(publication);
  const signal = ctx.portSignal();
  const committed = await ctx.git.commit({
    workspace,
    baseline,
    message: publishCommitMessage(workspace, normalized, draft.id, note),
    author: { name: actor.name ?? actor.email, email: actor.email },
    signal,
  });
  const sha = checkPortResult(shaSchema, committed?.sha, 'git', 'commit');
  const diff = checkPortResult(diffSummarySchema, await ctx.git.preview({ workspace, baseline, sha, signal }), 'git', 'preview');
  const previous = latest && isReviewedBefore(latest.status) ? latest : undefined;
  const sincePrevious = previous ? await sincePreviousOf(ctx, workspace, previous, sha, signal) : undefined;
  const submitted: PublishRequest = {
    ...draft,
    subdomain: normalized,
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
    const event = { type: 'request.submit' as const, actor, at, trust, rule };
    stored = await commit(ctx, 'draft', submitted, event, idempotencyKey ? { idempotencyKey } : {});
  } catch (error) {
    // Two submits with one key raced; the loser answers with the winner's request. Which unique
    // rule a database reports first (key, in-flight, subdomain) varies, so look it up.
    if (idempotencyKey !== undefined && PublishGateError.is(error)) {
      const previous = await ctx.storage.findRequestByIdempotencyKey({ builderId: actor.id, key: idempotencyKey });
      if (previous) return sameOrConflict(previous, workspace.id, normalized);
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

// The request before it is committed: what the machine's submit guards look at.
function newRequest(
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
