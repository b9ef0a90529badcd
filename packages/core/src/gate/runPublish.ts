import { PublishGateError } from '../errors.js';
import { checkPortResult, toPortError } from '../guardPort.js';
import type { PublishRequestEvent } from '../lifecycle/machine.js';
import { type PublishRequest, pullRequestRefSchema } from '../schemas/domain.js';
import { commit } from './commit.js';
import type { GateContext } from './context.js';

/**
 * Runs the effect the machine asked for on entering `approving`: pushes the pinned commit,
 * opens the pull request, and commits the outcome (`approved`, or `failed` with the error). Safe
 * to repeat: the branch name is derived from the request, and push and openPullRequest are
 * idempotent. One publish per request runs in this process at a time.
 */
export function runPublish(ctx: GateContext, request: PublishRequest): Promise<PublishRequest> {
  const existing = ctx.running.get(request.id);
  if (existing) return existing;
  const job = publishOnce(ctx, request).finally(() => ctx.running.delete(request.id));
  ctx.running.set(request.id, job);
  return job;
}

async function publishOnce(ctx: GateContext, request: PublishRequest): Promise<PublishRequest> {
  const outcome = await attempt(ctx, request);
  try {
    return (await commit(ctx, 'approving', request, outcome)).request;
  } catch (error) {
    // Someone else (a sweep on another server) stored the outcome first; theirs stands.
    if (PublishGateError.is(error, 'conflict') || PublishGateError.is(error, 'invalid_transition')) {
      const current = await ctx.storage.getRequest({ id: request.id });
      if (current) return current;
    }
    throw error;
  }
}

async function attempt(ctx: GateContext, request: PublishRequest): Promise<PublishRequestEvent> {
  const branch = request.branch ?? ctx.branchName(request);
  try {
    // One deadline for the whole publish: push and pull request together.
    const signal = ctx.portSignal();
    const pushed = await ctx.git.push({ workspace: request.workspace, sha: request.sha, branch, signal });
    if (pushed?.sha !== request.sha || pushed.branch !== branch) {
      throw new PublishGateError(
        'port_failed',
        `The git adapter reported pushing ${String(pushed?.sha)} to ${String(pushed?.branch)}, not the pinned commit.`,
        { port: 'git', operation: 'push' },
      );
    }
    const { title, body } = ctx.pullRequestText(request);
    const opened = await ctx.gitHost.openPullRequest({ branch, title, body, requestId: request.id, signal });
    const pullRequest = checkPortResult(pullRequestRefSchema, { number: opened?.number, url: opened?.url }, 'gitHost', 'openPullRequest');
    return { type: 'publish.succeeded', at: ctx.now(), branch, pullRequest };
  } catch (error) {
    const failure = toPortError(error, 'git', 'publish');
    return { type: 'publish.failed', at: ctx.now(), error: { code: failure.code, message: failure.message.slice(0, 2000) } };
  }
}
