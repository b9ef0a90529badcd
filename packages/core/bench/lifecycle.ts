/**
 * Lifecycle benchmark: the full SDK path (request → approve → approved) on the memory storage and
 * the fakes, against the bare machine making the same transitions, in one run.
 *
 *   pnpm --filter @publishgate/core bench          (or `pnpm bench` at the root)
 *   BENCH_SECONDS=5 pnpm --filter @publishgate/core bench
 */
import {
  type Actor,
  createMemoryStorage,
  createPublishGate,
  createPublishRequestStepper,
  type PublishRequest,
  type PublishRequestEvent,
  publishRequestMachine,
  type Workspace,
} from '@publishgate/core';
import { createFakeGit, createFakeGitHost, requestFixture } from '@publishgate/core/testing';
import { initialTransition, transition } from 'xstate';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const admin: Actor = { id: 'admin-1', email: 'admin@example.com', roles: ['admin'] };

async function measure(name: string, run: (iterations: number) => Promise<void> | void): Promise<number> {
  // Warm up the JIT, then run batches until the time budget is spent. The rate is per CPU-second
  // of this process (user + system), so other load on the machine does not distort it much; the
  // wall-clock rate is printed beside it.
  await run(500);
  let iterations = 0;
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  while (performance.now() - started < seconds * 1_000) {
    await run(1_000);
    iterations += 1_000;
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const perCpuSecond = iterations / cpuSeconds;
  const perWallSecond = iterations / ((performance.now() - started) / 1_000);
  const fmt = (value: number) => Math.round(value).toLocaleString('en-US').padStart(10);
  console.log(`${name.padEnd(44)} ${fmt(perCpuSecond)} lifecycles per CPU-second  (${fmt(perWallSecond).trim()}/s wall)`);
  return perCpuSecond;
}

function bareMachine(mode: 'stepper' | 'xstate'): (iterations: number) => void {
  const builder: Actor = { id: 'builder-1', email: 'builder@example.com', roles: ['builder'] };
  const request = requestFixture({
    workspace: { id: 'ws-1', name: 'Bench', blueprintId: 'bp-1', ownerId: builder.id },
    builder: { id: builder.id, email: builder.email },
  });
  const at = new Date().toISOString();
  const submit: PublishRequestEvent = { type: 'request.submit', actor: builder, at };
  const approve: PublishRequestEvent = { type: 'review.approve', actor: admin, at };
  const done: PublishRequestEvent = {
    type: 'publish.succeeded',
    at,
    branch: 'publish/x',
    pullRequest: { number: 1, url: 'https://example.test/pull/1' },
  };
  const stepper = createPublishRequestStepper();
  const initial = (input: { request: PublishRequest }) =>
    mode === 'stepper' ? stepper.initial(input)[0] : initialTransition(publishRequestMachine, input)[0];
  const step = (snapshot: ReturnType<typeof initial>, event: PublishRequestEvent) =>
    mode === 'stepper' ? stepper.step(snapshot, event)[0] : transition(publishRequestMachine, snapshot, event)[0];
  return (iterations) => {
    for (let index = 0; index < iterations; index += 1) {
      const draft = initial({ request: { ...request, id: `r-${index}` } });
      const approved = step(step(step(draft, submit), approve), done);
      if (approved.value !== 'approved') throw new Error(`bare machine ended in ${String(approved.value)}`);
    }
  };
}

function sdk(clone: boolean): (iterations: number) => Promise<void> {
  const git = createFakeGit();
  const gate = createPublishGate({ storage: createMemoryStorage({ clone }), git, gitHost: createFakeGitHost() });
  let n = 0;
  return async (iterations) => {
    for (let index = 0; index < iterations; index += 1) {
      n += 1;
      const builder: Actor = { id: `builder-${n}`, email: `builder${n}@example.com`, roles: ['builder'] };
      const workspace: Workspace = { id: `ws-${n}`, name: `Site ${n}`, blueprintId: 'bp-1', ownerId: builder.id };
      git.write(workspace, 'index.html', `<h1>Site ${n}</h1>\n`);
      const request = await gate.requestPublish({ workspace, subdomain: `site-${n}`, actor: builder });
      const approved = await gate.approve({ id: request.id, actor: admin });
      if (approved.status !== 'approved') throw new Error(`SDK lifecycle ended in ${approved.status}`);
    }
  };
}

console.log(`publishgate lifecycle benchmark — node ${process.version}, ${seconds}s per case\n`);
// The SDK steps the machine with createPublishRequestStepper (same logic, no per-call actor), so
// that is the like-for-like baseline; xstate's own transition() is printed for reference.
const xstateBare = await measure("bare machine, xstate's transition()", bareMachine('xstate'));
const bare = await measure('bare machine, stepper (what the SDK uses)', bareMachine('stepper'));
const full = await measure('SDK: gate + memory storage + fakes', sdk(true));
const noClone = await measure('SDK: same, memory storage without cloning', sdk(false));
console.log('');
console.log(`ratio bare / SDK                 ${(bare / full).toFixed(2)}×  (target ≤ 5×)`);
console.log(`ratio bare / SDK (no cloning)    ${(bare / noClone).toFixed(2)}×`);
console.log(`SDK lifecycles/s                 ${Math.round(full).toLocaleString('en-US')}  (target ≥ 10,000)`);
console.log(`stepper speed-up over transition() ${(bare / xstateBare).toFixed(1)}×`);
