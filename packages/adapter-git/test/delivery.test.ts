import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Actor, createFetchHandler, toNodeHandler } from '@publishgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { emulatedGitHubGate } from './helpers/githubGate.js';

const builder: Actor = { id: 'builder-1', email: 'bob@example.com', roles: ['builder'] };
const admin: Actor = { id: 'admin-1', email: 'ada@example.com', roles: ['admin'] };
const MINUTE = 60_000;
const SECRET = 'emulated-webhook-secret';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function published(options: { deliveryPollMs?: number } = {}) {
  const { fixture, emulator, clock, notifier, gate } = await emulatedGitHubGate(
    cleanups,
    options.deliveryPollMs ? { deliveryPollMs: options.deliveryPollMs } : {},
  );
  const workspace = { ...fixture.workspace, ownerId: builder.id, name: "Bob's shop" };
  await writeFile(join(fixture.workspaceDir, 'about.html'), '<p>About us</p>\n');
  const request = await gate.requestPublish({ workspace, subdomain: 'bobs-shop', actor: builder });
  const approved = await gate.approve({ id: request.id, actor: admin });
  expect(approved.delivery?.state).toBe('pull-request-open');
  const stored = async () => (await gate.getRequest({ id: approved.id, actor: admin })).delivery;
  return { emulator, gate, clock, approved, stored, notifier };
}

describe('delivery on the emulated GitHub', () => {
  it('polling: merged, then live at the deployment URL, asking GitHub at most once per deliveryPollMs', async () => {
    const { emulator, gate, clock, approved, stored } = await published({ deliveryPollMs: 5 * MINUTE });
    const asked = () => emulator.requests().filter((entry) => entry.operation === 'pulls.get').length;

    clock.advance(5 * MINUTE);
    expect((await gate.sweep()).deliveriesChecked).toBe(1);
    expect(asked()).toBe(1);
    expect((await stored())?.state).toBe('pull-request-open');
    // Sweeping again within the interval asks nothing.
    clock.advance(MINUTE);
    await gate.sweep();
    await gate.sweep();
    expect(asked()).toBe(1);

    const mergeSha = await emulator.mergePullRequest(approved.pullRequest?.number as number);
    clock.advance(4 * MINUTE);
    await gate.sweep();
    expect(await stored()).toMatchObject({ state: 'merged', mergeSha });

    await emulator.deploy({ sha: mergeSha, state: 'success', environmentUrl: 'https://bobs-shop.apps.example.com' });
    clock.advance(5 * MINUTE);
    await gate.sweep();
    expect(await stored()).toMatchObject({ state: 'live', mergeSha, deploymentUrl: 'https://bobs-shop.apps.example.com' });
    expect(asked()).toBe(2);
  });

  it('polling: a pull request closed without merging becomes closed-unmerged', async () => {
    const closed = await published();
    await closed.emulator.closePullRequest(closed.approved.pullRequest?.number as number);
    closed.clock.advance(5 * MINUTE);
    await closed.gate.sweep();
    expect((await closed.stored())?.state).toBe('closed-unmerged');
  });

  it('webhooks: the emulator signs pull_request and deployment_status deliveries to the portal; the delivery follows', async () => {
    const { emulator, gate, approved, stored, notifier } = await published();
    const handler = createFetchHandler(gate, {
      authenticate: () => null,
      resolveWorkspace: () => null,
      githubWebhookSecret: SECRET,
      onError: () => {},
    });
    const server = createServer(toNodeHandler(handler));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/publishgate/hooks/github`;

    // A receiver with another secret refuses every delivery.
    emulator.setWebhook({ url, secret: 'not-the-secret' });
    await emulator.deploy({ sha: approved.sha, state: 'success' });
    expect(emulator.webhookDeliveries()).toEqual([{ event: 'deployment_status', status: 401 }]);

    emulator.setWebhook({ url, secret: SECRET });
    const mergeSha = await emulator.mergePullRequest(approved.pullRequest?.number as number);
    expect(await stored()).toMatchObject({ state: 'merged', mergeSha });
    await emulator.deploy({ sha: mergeSha, state: 'failure' });
    expect((await stored())?.state).toBe('deploy-failed');
    await emulator.deploy({ sha: mergeSha, state: 'success', environmentUrl: 'https://bobs-shop.apps.example.com' });
    expect(await stored()).toMatchObject({ state: 'live', deploymentUrl: 'https://bobs-shop.apps.example.com' });
    expect(emulator.webhookDeliveries().map((delivery) => delivery.status)).toEqual([401, 200, 200, 200]);

    await gate.sweep();
    expect(notifier.to(builder.id).map((note) => note.type)).toEqual([
      'request.approved',
      'request.merged',
      'request.deploy_failed',
      'request.live',
    ]);
  });
});
