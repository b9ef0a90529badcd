import type { GateContext } from './context.js';
import { runJob } from './publishJob.js';
import type { PublishWorker, WorkerOptions } from './types.js';

/**
 * `gate.startWorker`: a loop that claims due publish jobs with a lease and runs them, at most
 * `concurrency` at a time. It looks again as soon as a run ends or a change is stored (here, or on
 * another server when storage can watch), and every `pollIntervalMs` otherwise, since a job
 * waiting for its retry or pacing slot becomes due without any change. Time comes from the gate's
 * clock, so a test moving its clock moves the worker too.
 */
export function startWorker(ctx: GateContext, options: WorkerOptions = {}): PublishWorker {
  const concurrency = options.concurrency ?? 4;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new TypeError('startWorker: concurrency must be a whole number of at least 1.');
  if (!Number.isFinite(pollIntervalMs) || pollIntervalMs <= 0)
    throw new TypeError('startWorker: pollIntervalMs must be a positive number.');

  const active = new Set<Promise<unknown>>();
  let stopped = false;
  let wake: (() => void) | undefined;
  const nudge = () => wake?.();
  const unsubscribe = ctx.onChange(nudge);

  async function loop(): Promise<void> {
    while (!stopped) {
      const free = concurrency - active.size;
      let claimed = 0;
      if (free > 0) {
        try {
          const jobs = await ctx.storage.claimJobs({ now: ctx.now(), limit: free, leaseMs: ctx.recoverAfterMs });
          claimed = jobs.length;
          for (const job of jobs) {
            const run: Promise<unknown> = runJob(ctx, job).finally(() => {
              active.delete(run);
              nudge();
            });
            active.add(run);
          }
        } catch (error) {
          // Storage is down: say so and look again later rather than spin.
          ctx.onError(error);
        }
      }
      if (stopped) break;
      // A full batch means more may be due right away; otherwise wait for a reason to look.
      if (claimed > 0 && claimed === free) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, pollIntervalMs);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      });
    }
    await Promise.allSettled([...active]);
  }

  const finished = loop();
  const stop = async () => {
    stopped = true;
    nudge();
    unsubscribe();
    await finished;
  };
  if (options.signal) {
    if (options.signal.aborted) void stop();
    else options.signal.addEventListener('abort', () => void stop(), { once: true });
  }
  return { stop };
}
