import { PublishGateError } from '../../errors.js';
import { commit } from '../commit.js';
import type { GateContext } from '../context.js';
import { runJob } from '../publishJob.js';
import type { SweepReport } from '../types.js';
import { pollDeliveries } from './pollDeliveries.js';

const PAGE = 200;
// Publishes one sweep runs at once: enough to keep a host busy, few enough to stay polite.
const SWEEP_CONCURRENCY = 8;

/**
 * `gate.sweep`: expires overdue pending requests, reminds the approvers of requests pending for
 * longer than `policy.remindAfterMs` (once per `remindEveryMs`), runs every publish job that is due (interrupted
 * by a crash, due for a retry, or its turn in the pacing budget has come) to its next stop, and
 * asks the git host about open deliveries (`policy.deliveryPollMs`), and delivers the outbox. Safe on several servers at once: jobs are claimed with leases, every move
 * is a compare-and-set commit, and a request someone else moved first is skipped.
 */
export async function sweep(ctx: GateContext): Promise<SweepReport> {
  await ctx.dispatcher?.idle();
  const at = ctx.now();
  const expired = await expireOverdue(ctx, at);
  const reminded = await sendDueReminders(ctx, at);
  const recovered = await runDueJobs(ctx);
  const deliveriesChecked = await pollDeliveries(ctx);
  const delivery = ctx.dispatcher ? await ctx.dispatcher.drain() : { delivered: 0, failed: 0, deadLettered: 0 };
  return {
    expired,
    reminded,
    recovered,
    deliveriesChecked,
    delivered: delivery.delivered,
    failedDeliveries: delivery.failed,
    deadLettered: delivery.deadLettered,
  };
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

// Reminders run before the outbox is drained below, so a reminder stored here leaves in this sweep.
async function sendDueReminders(ctx: GateContext, at: string): Promise<number> {
  const { remindAfterMs, remindEveryMs } = ctx.policy;
  if (remindAfterMs === undefined || remindEveryMs === undefined) return 0;
  let reminded = 0;
  for (;;) {
    const due = await ctx.storage.listDueReminders({ now: at, remindAfterMs, remindEveryMs, limit: PAGE });
    let progressed = 0;
    // The machine judges again whether a reminder is due, and compare-and-set lets one sweeper
    // store it: a loser's conflict, or a refusal because the winner's reminder is now the last, is skipped.
    for (const request of due) {
      if (await skipIfMoved(commit(ctx, request.status, request, { type: 'reminder.send', at }))) progressed += 1;
    }
    reminded += progressed;
    if (due.length < PAGE || progressed === 0) return reminded;
  }
}

// Claims due jobs a few at a time until none is due; a job that reschedules itself is not due
// again within the same sweep (its next run is in the future).
async function runDueJobs(ctx: GateContext): Promise<number> {
  let ran = 0;
  for (;;) {
    const jobs = await ctx.storage.claimJobs({ now: ctx.now(), limit: SWEEP_CONCURRENCY, leaseMs: ctx.recoverAfterMs });
    await Promise.all(jobs.map((job) => runJob(ctx, job)));
    ran += jobs.length;
    if (jobs.length < SWEEP_CONCURRENCY) return ran;
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
