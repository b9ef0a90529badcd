import { listApprovalRules, setApprovalRule } from './commands/approvalRules.js';
import { listDeadLetters, redeliver } from './commands/deadLetters.js';
import { decideMany } from './commands/decideMany.js';
import { reportDelivery } from './commands/delivery.js';
import { preview } from './commands/preview.js';
import { exportHistory, getRequest, history, listRequests } from './commands/queries.js';
import { requestPublish } from './commands/requestPublish.js';
import { previewRollback, requestRollback } from './commands/requestRollback.js';
import { reviewCommands, runReview } from './commands/review.js';
import { checkSubdomain } from './commands/subdomains.js';
import { sweep } from './commands/sweep.js';
import { listTrust, setTrust } from './commands/trust.js';
import { createGateContext } from './context.js';
import type { PublishGate, PublishGateOptions } from './types.js';
import { startWorker } from './worker.js';

/**
 * Creates the publish gate: the facade a portal server calls. Each command checks its input,
 * asks `publishRequestMachine` what the command does, stores the result with its audit entries
 * and notifications in one storage call, emits events, and only then runs effects (push, pull
 * request, notification delivery).
 *
 * @example
 * ```ts
 * import { createMemoryStorage, createPublishGate } from '@publishgate/core';
 * import { createFakeGit, createFakeGitHost, createRecordingNotifier } from '@publishgate/core/testing';
 *
 * const gate = createPublishGate({
 *   storage: createMemoryStorage(),
 *   git: createFakeGit(),
 *   gitHost: createFakeGitHost(),
 *   notifier: createRecordingNotifier(),
 * });
 * const request = await gate.requestPublish({ workspace, subdomain: 'my-app', actor: builder });
 * await gate.approve({ id: request.id, actor: admin });
 * ```
 */
export function createPublishGate(options: PublishGateOptions): PublishGate {
  const ctx = createGateContext(options);
  return {
    events: ctx.events,
    preview: (input) => preview(ctx, input),
    checkSubdomain: (input) => checkSubdomain(ctx, input),
    requestPublish: (input) => requestPublish(ctx, input),
    requestRollback: (input) => requestRollback(ctx, input),
    previewRollback: (input) => previewRollback(ctx, input),
    listRequests: (input) => listRequests(ctx, input),
    getRequest: (input) => getRequest(ctx, input),
    approve: (input) => runReview(ctx, reviewCommands.approve, input),
    reject: (input) => runReview(ctx, reviewCommands.reject, input),
    decideMany: (input) => decideMany(ctx, input),
    withdraw: (input) => runReview(ctx, reviewCommands.withdraw, input),
    retry: (input) => runReview(ctx, reviewCommands.retry, input),
    setTrust: (input) => setTrust(ctx, input),
    listTrust: (input) => listTrust(ctx, input),
    setApprovalRule: (input) => setApprovalRule(ctx, input),
    listApprovalRules: (input) => listApprovalRules(ctx, input),
    history: (input) => history(ctx, input),
    exportHistory: (input) => exportHistory(ctx, input),
    listDeadLetters: (input) => listDeadLetters(ctx, input),
    redeliver: (input) => redeliver(ctx, input),
    sweep: () => sweep(ctx),
    reportDelivery: (input) => reportDelivery(ctx, input),
    startWorker: (options) => startWorker(ctx, options),
    onChange: (listener) => ctx.onChange(listener),
    async close() {
      while (ctx.running.size > 0) await Promise.allSettled([...ctx.running.values()]);
      await ctx.dispatcher?.idle();
      ctx.stopWatching();
    },
  };
}
