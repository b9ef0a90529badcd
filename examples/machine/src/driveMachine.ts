import { type Actor, createPublishEffect, type PublishRequest, type PublishRequestEvent, publishRequestMachine } from '@publishgate/core';
import { createActor, initialTransition, transition, waitFor } from 'xstate';

/** One line per step: where the machine went and which effects it asked for. */
export type Step = { event: string; from: string; to: string; effects: string[] };

const builder: Actor = { id: 'u-bob', email: 'bob@example.com', roles: ['builder'] };
const admin: Actor = { id: 'u-ada', email: 'ada@example.com', roles: ['admin'] };
const at = () => new Date().toISOString();

const request: PublishRequest = {
  id: 'req-1',
  version: 1,
  status: 'pending',
  workspace: { id: 'ws-1', name: 'Bike shop', blueprintId: 'bp-shop', ownerId: builder.id },
  builder: { id: builder.id, email: builder.email },
  subdomain: 'bike-shop',
  sha: 'c0ffee0000000000000000000000000000000000',
  baseline: { kind: 'blueprint' },
  diff: {
    files: [{ path: 'index.html', status: 'modified', additions: 1, deletions: 1, binary: false }],
    additions: 1,
    deletions: 1,
    patch: '',
    truncated: false,
  },
  findings: [],
  createdAt: at(),
  updatedAt: at(),
};

/** Pure transitions: nothing runs, each step returns the next snapshot and the effects it declares. */
export function drivePure(): Step[] {
  const steps: Step[] = [];
  let [snapshot] = initialTransition(publishRequestMachine, { request });
  const events: PublishRequestEvent[] = [
    { type: 'request.submit', actor: builder, at: at() },
    { type: 'review.approve', actor: builder, at: at() }, // refused: builders cannot approve
    { type: 'review.approve', actor: admin, at: at(), comment: 'Ship it' },
    { type: 'publish.failed', at: at(), error: { code: 'port_failed', message: 'remote hung up' } },
    { type: 'review.retry', actor: admin, at: at() },
    {
      type: 'publish.succeeded',
      at: at(),
      branch: 'publish/bike-shop-req-1',
      pullRequest: { number: 7, url: 'https://github.example/acme/sites/pull/7' },
    },
  ];
  for (const event of events) {
    const [next, actions] = transition(publishRequestMachine, snapshot, event);
    steps.push({
      event: event.type,
      from: String(snapshot.value),
      to: String(next.value),
      effects: (actions as Array<{ type: string; params?: unknown }>)
        .filter((action) => !action.type.startsWith('xstate.'))
        .map((action) => `${action.type}${action.params ? ` ${JSON.stringify(action.params)}` : ''}`),
    });
    snapshot = next;
  }
  return steps;
}

/** A live actor whose `publish` effect is provided, as a host without the gate would run it. */
export async function driveLive(): Promise<{ status: string; pullRequest: string | undefined }> {
  const machine = publishRequestMachine.provide({
    actions: {
      publish: createPublishEffect(async ({ request: pinned }) => ({
        branch: `publish/${pinned.subdomain}-${pinned.id}`,
        pullRequest: { number: 8, url: 'https://github.example/acme/sites/pull/8' },
      })),
    },
  });
  const actor = createActor(machine, { input: { request } }).start();
  actor.send({ type: 'request.submit', actor: builder, at: at() });
  actor.send({ type: 'review.approve', actor: admin, at: at() });
  // `approved` is not final: it still follows the pull request (merged, live, closed).
  const done = await waitFor(actor, (snapshot) => snapshot.matches('approved') || snapshot.matches('failed'), { timeout: 5_000 });
  return { status: String(done.value), pullRequest: done.context.request.pullRequest?.url };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const step of drivePure()) {
    console.log(`${step.event.padEnd(18)} ${step.from.padEnd(10)} → ${step.to.padEnd(10)} ${step.effects.join(', ')}`);
  }
  console.log('live actor:', JSON.stringify(await driveLive()));
}
