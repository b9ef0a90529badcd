import { PublishGateError as GateError, type PublishGateError } from '../errors.js';
import { checkPortResult, toPortError } from '../guardPort.js';
import type { PublishRequestEvent } from '../lifecycle/machine.js';
import { type PublishJob, type PublishProgress, type PublishRequest, pullRequestRefSchema } from '../schemas/domain.js';
import { commit } from './commit.js';
import type { GateContext } from './context.js';
import type { ResolvedPolicy } from './policy.js';

/** The pacing budget every publish of every server shares. */
export const PACING_KEY = 'publish';

/**
 * A slot this close ahead still runs now. Reservations only move forward, so jobs running side by
 * side (or on servers whose clocks differ by a few ms) can get a slot a hair after their own `now`
 * while the budget is far from spent; waiting a whole poll for that would delay every publish.
 */
export const PACING_TOLERANCE_MS = 100;

/**
 * Runs a publish job this server holds (it claimed it, or stored it with a decision) to its next
 * stop: waits for its turn in the pacing budget, or pushes the pinned commit and opens the pull
 * request, committing each step as progress. A retryable failure schedules the next attempt (with
 * backoff, never sooner than the host asked) while `policy.publishRetry` allows; otherwise the
 * request becomes `failed`, and on success `approved`. Every write is a compare-and-set commit:
 * when another server took the job over (its lease ran out), this run stops at its next write.
 * Resolves with the request as this run left it; a storage failure is reported to `onError` and
 * resolves undefined (the lease runs out and another run picks the job up). One run per request
 * at a time in this process.
 */
export function runJob(ctx: GateContext, job: PublishJob): Promise<PublishRequest | undefined> {
  const existing = ctx.running.get(job.requestId);
  if (existing) return existing;
  const run = attemptJob(ctx, job)
    .catch((error: unknown) => {
      ctx.onError(error);
      return undefined;
    })
    .finally(() => ctx.running.delete(job.requestId));
  ctx.running.set(job.requestId, run);
  return run;
}

/**
 * Runs the job a decision just stored and waits up to `policy.publishWaitMs` for where it ends:
 * the outcome, or the request waiting for its next attempt. Past that, answers with the request
 * as stored; the job goes on in the background.
 */
export async function publishAndWait(ctx: GateContext, request: PublishRequest, job: PublishJob): Promise<PublishRequest> {
  const run = runJob(ctx, job);
  let waitedOut: () => void = () => {};
  const waited = new Promise<undefined>((resolve) => {
    waitedOut = () => resolve(undefined);
  });
  const timer = setTimeout(waitedOut, ctx.policy.publishWaitMs);
  try {
    const outcome = await Promise.race([run, waited]);
    if (outcome) return outcome;
  } finally {
    clearTimeout(timer);
  }
  return (await ctx.storage.getRequest({ id: request.id })) ?? request;
}

async function attemptJob(ctx: GateContext, job: PublishJob): Promise<PublishRequest | undefined> {
  const stored = await ctx.storage.getRequest({ id: job.requestId });
  if (stored?.status !== 'approving') return stored ?? undefined;
  const since = stored.progress?.since ?? stored.updatedAt;
  const tried = stored.progress?.attempt ?? 0;
  const now = ctx.now();

  if (ctx.policy.publishPacing.length > 0) {
    const slot = job.slotAt ?? (await ctx.storage.reservePacing({ key: PACING_KEY, now, limits: ctx.policy.publishPacing })).at;
    if (Date.parse(slot) > Date.parse(now) + PACING_TOLERANCE_MS) {
      // The budget is spent until `slot`, which is reserved for this job: it runs then, once.
      const lastError = stored.progress?.lastError;
      const waiting: PublishProgress = {
        step: 'waiting-rate-limit',
        attempt: tried,
        nextAttemptAt: slot,
        since,
        ...(lastError ? { lastError } : {}),
      };
      return step(ctx, stored, waiting, { requestId: stored.id, runAt: slot, slotAt: slot });
    }
  }

  const attempt = tried + 1;
  const lease = job.leaseUntil ? { leaseUntil: job.leaseUntil } : {};
  let request = await step(ctx, stored, { step: 'pushing', attempt, since }, { requestId: stored.id, runAt: job.runAt, ...lease });
  if (request?.status !== 'approving') return request;

  const branch = request.branch ?? ctx.branchName(request);
  // One deadline for the whole attempt: push and pull request together.
  const signal = ctx.portSignal();
  let failure: PublishGateError | undefined;
  try {
    const pushed = await ctx.git.push({ workspace: request.workspace, sha: request.sha, branch, signal });
    if (pushed?.sha !== request.sha || pushed.branch !== branch) {
      throw new GateError(
        'port_failed',
        `The git adapter reported pushing ${String(pushed?.sha)} to ${String(pushed?.branch)}, not the pinned commit.`,
        { port: 'git', operation: 'push', retryable: false },
      );
    }
  } catch (error) {
    failure = toPortError(error, 'git', 'push');
  }
  if (!failure) {
    request = await step(ctx, request, { step: 'opening-pull-request', attempt, since });
    if (request?.status !== 'approving') return request;
    try {
      const { title, body } = ctx.pullRequestText(request);
      const opened = await ctx.gitHost.openPullRequest({
        branch,
        title,
        body,
        requestId: request.id,
        workspace: request.workspace,
        signal,
      });
      const pullRequest = checkPortResult(pullRequestRefSchema, { number: opened?.number, url: opened?.url }, 'gitHost', 'openPullRequest');
      return finish(ctx, request, { type: 'publish.succeeded', at: ctx.now(), branch, pullRequest });
    } catch (error) {
      failure = toPortError(error, 'gitHost', 'openPullRequest');
    }
  }

  const message = failure.message.slice(0, 2000);
  const retryAt = nextAttemptAt(ctx.policy.publishRetry, { attempt, since, failure, now: ctx.clock().getTime() });
  if (retryAt !== undefined) {
    const waiting: PublishProgress = {
      step: failure.rateLimited ? 'waiting-rate-limit' : 'queued',
      attempt,
      nextAttemptAt: retryAt,
      since,
      lastError: message,
    };
    return step(ctx, request, waiting, { requestId: request.id, runAt: retryAt });
  }
  return finish(ctx, request, {
    type: 'publish.failed',
    at: ctx.now(),
    error: { code: failure.code, message, retryable: failure.retryable, attempts: attempt },
  });
}

/**
 * When the next attempt may start, or undefined when the failure is final: not retryable, out of
 * attempts, or past `withinMs` since the publish was queued. Exponential backoff with jitter (half
 * the delay, randomly), never sooner than the adapter's `retryAfterMs`.
 */
export function nextAttemptAt(
  retry: ResolvedPolicy['publishRetry'],
  { attempt, since, failure, now }: { attempt: number; since: string; failure: PublishGateError; now: number },
  random: () => number = Math.random,
): string | undefined {
  if (!failure.retryable || attempt >= retry.attempts) return undefined;
  const backoff = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
  const wait = Math.max(backoff / 2 + (random() * backoff) / 2, failure.retryAfterMs ?? 0);
  const at = Math.ceil(now + wait);
  if (at - Date.parse(since) > retry.withinMs) return undefined;
  return new Date(at).toISOString();
}

// A progress step; undefined when another server moved the request first (it owns the job now).
async function step(ctx: GateContext, request: PublishRequest, progress: PublishProgress, job?: PublishJob) {
  return unlessMoved(ctx, request, () =>
    commit(ctx, 'approving', request, { type: 'publish.progress', at: ctx.now(), progress }, job ? { job } : {}),
  );
}

async function finish(ctx: GateContext, request: PublishRequest, event: PublishRequestEvent) {
  return unlessMoved(ctx, request, () => commit(ctx, 'approving', request, event));
}

async function unlessMoved(
  ctx: GateContext,
  request: PublishRequest,
  write: () => Promise<{ request: PublishRequest }>,
): Promise<PublishRequest | undefined> {
  try {
    return (await write()).request;
  } catch (error) {
    if (GateError.is(error, 'conflict') || GateError.is(error, 'invalid_transition')) {
      // Theirs stands; report the request as they left it.
      const current = await ctx.storage.getRequest({ id: request.id });
      return current && current.status !== 'approving' ? current : undefined;
    }
    throw error;
  }
}
