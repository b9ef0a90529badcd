// Issue 18 in the portal, without a browser: the third blueprint's repository on the GitLab emulator
// (routed per workspace through one gitHost), and notifications through two channels, the in-app
// inbox and Standard Webhooks to the demo's own receiver, each delivery verified there.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Actor,
  createWebhookNotifier,
  type GitHostPort,
  generateWebhookSecret,
  type Notification,
  type Workspace,
} from '@publishgate/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DOCS_APP, findWorkspace } from '../src/server/demoData.js';
import { routeGitHostByBlueprint } from '../src/server/gitHostRouter.js';
import { type Portal, startPortal } from '../src/server/portal.js';
import { startWebhookReceiver } from '../src/server/webhookReceiver.js';
import { remoteBranchSha, run } from './support.js';

const admin: Actor = { id: 'u-ada', email: 'ada@example.com', roles: ['admin'] };
const bob: Actor = { id: 'u-bob', email: 'bob@example.com', roles: ['builder'] };
const erin: Actor = { id: 'u-erin', email: 'erin@example.com', roles: ['builder'] };
const WAIT = { timeout: 15_000, interval: 50 };

let root: string;
let uiDir: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'publishgate-portal-channels-'));
  uiDir = join(root, 'ui');
  await mkdir(uiDir, { recursive: true });
  await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>portal</title><div id="root"></div>');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const started: Portal[] = [];
afterEach(async () => {
  for (const portal of started.splice(0)) await portal.close();
});

async function start(name: string, extra: { deliveryPollMs?: number } = {}): Promise<Portal> {
  // A long sweep interval: these tests sweep when they mean to.
  const portal = await startPortal({ dataDir: join(root, name), uiDir, port: 0, sweepIntervalMs: 60_000, log: () => {}, ...extra });
  started.push(portal);
  return portal;
}

async function signIn(portal: Portal, userId: string): Promise<string> {
  const response = await fetch(`${portal.url}/api/portal/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId }),
  });
  expect(response.status).toBe(200);
  return (response.headers.get('set-cookie') ?? '').split(';')[0] as string;
}

function post(portal: Portal, cookie: string, path: string, body: unknown) {
  return fetch(`${portal.url}${path}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('a blueprint on the GitLab emulator', () => {
  it('an approved publish of the GitLab blueprint pushes to its own bare remote and opens a merge request there; nothing reaches the GitHub repositories; "Simulate deploy" merges it and the next poll records merged', async () => {
    // Polls are due a minute after the last look: the first sweep below finds nothing due.
    const portal = await start('gitlab', { deliveryPollMs: 60_000 });
    const docsRemote = portal.data.remoteDirs['bp-docs'] as string;
    const gitlab = portal.gitLabEmulators['bp-docs'];
    expect(gitlab?.projectPath).toBe('acme/docs');
    const { stdout: files } = await run('git', ['--git-dir', docsRemote, 'ls-tree', '-r', '--name-only', 'main']);
    expect(files.trim().split('\n').sort()).toEqual(Object.keys(DOCS_APP).sort());
    const { stdout: head } = await run('git', ['-C', portal.workspaceDir('ws-erin'), 'rev-parse', 'HEAD']);
    expect(head.trim()).toBe(await remoteBranchSha(docsRemote, 'main'));

    const workspace = findWorkspace('ws-erin') as Workspace;
    await writeFile(join(portal.workspaceDir('ws-erin'), 'guides', 'deploy.md'), '# Deploying\n');
    const request = await portal.gate.requestPublish({ workspace, subdomain: 'erins-docs', actor: erin });
    expect(request.diff.files.map((file) => file.path)).toEqual(['guides/deploy.md']);
    const approved = await portal.gate.approve({ id: request.id, actor: admin });
    expect(approved).toMatchObject({ status: 'approved', delivery: { state: 'pull-request-open' } });

    const branch = approved.branch as string;
    expect(await remoteBranchSha(docsRemote, branch)).toBe(request.sha);
    for (const other of ['bp-website', 'bp-blog'])
      await expect(remoteBranchSha(portal.data.remoteDirs[other] as string, branch)).rejects.toThrow();
    const mergeRequests = gitlab?.mergeRequests() ?? [];
    expect(mergeRequests.map((mr) => ({ source: mr.sourceBranch, target: mr.targetBranch, sha: mr.sha, state: mr.state }))).toEqual([
      { source: branch, target: 'main', sha: request.sha, state: 'opened' },
    ]);
    expect(mergeRequests[0]?.description).toContain(`${portal.url}/requests/${request.id}`);
    expect(approved.pullRequest).toEqual({ number: 1, url: mergeRequests[0]?.webUrl });
    expect(approved.pullRequest?.url).toMatch(/\/acme\/docs\/-\/merge_requests\/1$/);
    for (const emulator of Object.values(portal.emulators)) expect(emulator.pulls()).toEqual([]);
    expect(gitlab?.violations()).toEqual([]);
    // The merge request's page is served where its link points.
    await expect((await fetch(approved.pullRequest?.url as string)).text()).resolves.toContain(branch);

    // Nothing is due yet: a sweep asks GitLab nothing and the request stays as it is.
    expect((await portal.gate.sweep()).deliveriesChecked).toBe(0);
    await expect(portal.gate.getRequest({ id: request.id, actor: admin })).resolves.toMatchObject({
      delivery: { state: 'pull-request-open' },
    });

    // The builder's config names the host; "Simulate deploy" merges on the GitLab emulator.
    const erinCookie = await signIn(portal, 'u-erin');
    const config = await (await fetch(`${portal.url}/api/portal/config`, { headers: { cookie: erinCookie } })).json();
    expect(config.blueprints.map((blueprint: { id: string; host: string }) => [blueprint.id, blueprint.host])).toEqual([
      ['bp-website', 'github'],
      ['bp-blog', 'github'],
      ['bp-docs', 'gitlab'],
    ]);
    const adaCookie = await signIn(portal, 'u-ada');
    const simulated = await post(portal, adaCookie, '/api/portal/dev/simulate-deploy', { requestId: request.id });
    expect(simulated.status).toBe(200);
    const answer = await simulated.json();
    expect(answer).toMatchObject({ request: { delivery: { state: 'pull-request-open' } }, pollsEveryMs: 60_000 });
    expect(gitlab?.mergeRequests()[0]).toMatchObject({ state: 'merged', mergeCommitSha: answer.mergeSha });
    expect(await remoteBranchSha(docsRemote, 'main')).toBe(answer.mergeSha);
    // Asking again before the poll: the merge request is no longer open, though the gate does not know yet.
    const again = await post(portal, adaCookie, '/api/portal/dev/simulate-deploy', { requestId: request.id });
    expect(again.status).toBe(409);
    expect((await again.json()).error).toMatchObject({ code: 'invalid_state', message: /no longer open on GitLab/ });

    // The sweep's poll, once due, reads the merge request and records the merge.
    const inAMinute = new Date(Date.now() + 61_000);
    vi.useFakeTimers({ toFake: ['Date'], now: inAMinute });
    try {
      expect((await portal.gate.sweep()).deliveriesChecked).toBe(1);
    } finally {
      vi.useRealTimers();
    }
    await expect(portal.gate.getRequest({ id: request.id, actor: admin })).resolves.toMatchObject({
      delivery: { state: 'merged', mergeSha: answer.mergeSha },
    });
    expect((await post(portal, adaCookie, '/api/portal/dev/simulate-deploy', { requestId: request.id })).status).toBe(409);
    expect(gitlab?.violations()).toEqual([]);
  });

  it('a publish of a GitHub blueprint next to it still opens a pull request on the GitHub emulator and no merge request', async () => {
    const portal = await start('gitlab-and-github');
    await writeFile(join(portal.workspaceDir('ws-bob'), 'index.html'), '<h1>Bikes</h1>\n');
    const request = await portal.gate.requestPublish({
      workspace: findWorkspace('ws-bob') as Workspace,
      subdomain: 'bike-shop',
      actor: bob,
    });
    const approved = await portal.gate.approve({ id: request.id, actor: admin });
    expect(portal.emulator?.pulls().map((pull) => pull.head)).toEqual([approved.branch]);
    expect(portal.gitLabEmulators['bp-docs']?.mergeRequests()).toEqual([]);
  });
});

describe('notifications through the inbox and Standard Webhooks', () => {
  it('every notification of a submit → approve flow reaches all three channels: the inbox, the webhook receiver (each delivery verified by the standardwebhooks library) and the SMTP catcher', async () => {
    const portal = await start('webhooks');
    const workspace = findWorkspace('ws-erin') as Workspace;
    await writeFile(join(portal.workspaceDir('ws-erin'), 'index.html'), '<h1>Docs</h1>\n');
    const request = await portal.gate.requestPublish({ workspace, subdomain: 'erins-docs', actor: erin });
    await portal.gate.approve({ id: request.id, actor: admin });

    const sent = () => portal.inbox.all().filter((notification) => notification.requestId === request.id);
    const expected = ['request.approved', 'request.submitted']; // sorted
    await expect
      .poll(async () => {
        await portal.gate.sweep();
        return sent()
          .map((notification) => notification.type)
          .sort();
      }, WAIT)
      .toEqual(expected);
    await expect
      .poll(async () => {
        await portal.gate.sweep();
        return portal.webhooks.deliveries().filter((delivery) => delivery.requestId === request.id).length;
      }, WAIT)
      .toBe(expected.length);
    const deliveries = portal.webhooks.deliveries();
    for (const notification of sent()) {
      const delivery = deliveries.find((candidate) => candidate.webhookId === notification.id);
      expect(delivery, notification.type).toMatchObject({
        type: notification.type,
        verified: true,
        method: 'POST',
        path: '/hooks/publishgate',
        requestId: request.id,
        subdomain: 'erins-docs',
      });
    }
    expect(deliveries.every((delivery) => delivery.verified)).toBe(true);
    // The email channel: the submission to both admins, the approval to Erin, through SMTP on loopback.
    await expect
      .poll(async () => {
        await portal.gate.sweep();
        return portal.mail
          .messages()
          .map((message) => message.to.join(','))
          .sort();
      }, WAIT)
      .toEqual(['ada@example.com,grace@example.com', 'erin@example.com']);
    expect(portal.mail.messages().every((message) => message.subject.includes('erins-docs'))).toBe(true);
    await expect(portal.gate.listDeadLetters({ actor: admin })).resolves.toEqual([]);

    // Admins read the same list from the portal API; builders may not.
    const adaCookie = await signIn(portal, 'u-ada');
    const listed = await (await fetch(`${portal.url}/api/portal/dev/webhooks`, { headers: { cookie: adaCookie } })).json();
    expect(listed.receiver).toBe(portal.webhooks.url);
    expect(listed.items.map((item: { webhookId: string }) => item.webhookId).sort()).toEqual(
      sent()
        .map((notification) => notification.id)
        .sort(),
    );
    const erinCookie = await signIn(portal, 'u-erin');
    expect((await fetch(`${portal.url}/api/portal/dev/webhooks`, { headers: { cookie: erinCookie } })).status).toBe(403);
  });

  it('with the receiver down, the inbox channel still delivers: each channel keeps its own outbox state', async () => {
    const portal = await start('receiver-down');
    await portal.webhooks.close();
    const workspace = findWorkspace('ws-bob') as Workspace;
    await writeFile(join(portal.workspaceDir('ws-bob'), 'index.html'), '<h1>Down</h1>\n');
    const request = await portal.gate.requestPublish({ workspace, subdomain: 'bike-shop', actor: bob });
    await expect
      .poll(async () => {
        await portal.gate.sweep();
        return portal.inbox.all().some((notification) => notification.requestId === request.id);
      }, WAIT)
      .toBe(true);
    expect(portal.webhooks.deliveries()).toEqual([]);
  });
});

describe('the webhook receiver', () => {
  it('refuses and records a delivery whose signature does not verify (a forged signature, no signature headers); other paths and methods get 404 and 405', async () => {
    const receiver = await startWebhookReceiver({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
    try {
      const unsigned = await fetch(receiver.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"type":"request.approved"}',
      });
      expect(unsigned.status).toBe(401);
      const forged = await fetch(receiver.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-publishgate-event': 'request.approved',
          'webhook-id': 'n-1',
          'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
          'webhook-signature': 'v1,bm90IGEgc2lnbmF0dXJl',
        },
        body: '{"type":"request.approved"}',
      });
      expect(forged.status).toBe(401);
      expect(receiver.deliveries().map((delivery) => [delivery.webhookId, delivery.type, delivery.verified])).toEqual([
        ['n-1', 'request.approved', false],
        [null, null, false],
      ]);
      expect(receiver.deliveries()[0]?.reason).toBeTruthy();
      expect((await fetch(new URL('/elsewhere', receiver.url), { method: 'POST', body: '{}' })).status).toBe(404);
      expect((await fetch(receiver.url)).status).toBe(405);
    } finally {
      await receiver.close();
    }
  });
});

describe('the webhook receiver with the notifier', () => {
  const notification: Notification = {
    id: 'n-approved-1',
    type: 'request.approved',
    requestId: 'r-1',
    occurredAt: '2026-12-02T10:00:00.000Z',
    to: { userId: 'u-erin', email: 'erin@example.com' },
    data: { subdomain: 'erins-docs' },
  };

  it('accepts what createWebhookNotifier signs with the same secret, and refuses (so the outbox retries) what another secret signed', async () => {
    const secret = generateWebhookSecret();
    const receiver = await startWebhookReceiver({ secret });
    try {
      await createWebhookNotifier({ url: receiver.url, secret }).notify(notification);
      expect(receiver.deliveries()).toMatchObject([
        { webhookId: 'n-approved-1', type: 'request.approved', requestId: 'r-1', subdomain: 'erins-docs', verified: true },
      ]);
      await expect(createWebhookNotifier({ url: receiver.url, secret: generateWebhookSecret() }).notify(notification)).rejects.toThrow(
        /HTTP 401/,
      );
      expect(receiver.deliveries().map((delivery) => delivery.verified)).toEqual([false, true]);
    } finally {
      await receiver.close();
    }
  });
});

describe('one gitHost routed by blueprint', () => {
  function fakeHost(name: string, calls: string[], polls: boolean): GitHostPort {
    return {
      async openPullRequest({ branch }) {
        calls.push(`${name} open ${branch}`);
        return { number: 1, url: `https://${name}.example/1`, created: true };
      },
      ...(polls
        ? {
            async getPullRequest({ number }: { number: number }) {
              calls.push(`${name} get ${number}`);
              return { state: 'closed' as const, merged: true, mergeSha: 'abc' };
            },
          }
        : {}),
    };
  }

  it('sends each call to the host of the workspace’s blueprint; a host that cannot poll reads as still open', async () => {
    const calls: string[] = [];
    const host = routeGitHostByBlueprint({ github: fakeHost('github', calls, true), gitlab: fakeHost('gitlab', calls, false) });
    const args = { branch: 'publish/x', title: 't', body: 'b', requestId: 'r-1' };
    await host.openPullRequest({ ...args, workspace: findWorkspace('ws-erin') as Workspace });
    await host.openPullRequest({ ...args, workspace: findWorkspace('ws-dan') as Workspace });
    await expect(host.getPullRequest?.({ number: 7, workspace: findWorkspace('ws-bob') as Workspace })).resolves.toMatchObject({
      merged: true,
    });
    await expect(host.getPullRequest?.({ number: 7, workspace: findWorkspace('ws-erin') as Workspace })).resolves.toEqual({
      state: 'open',
      merged: false,
    });
    await expect(host.getDeployment?.({ sha: 'abc', workspace: findWorkspace('ws-erin') as Workspace })).resolves.toBeNull();
    expect(calls).toEqual(['gitlab open publish/x', 'github open publish/x', 'github get 7']);
  });

  it('refuses a call without a workspace, or for a blueprint the demo does not have, with validation', async () => {
    const host = routeGitHostByBlueprint({ github: fakeHost('github', [], true), gitlab: fakeHost('gitlab', [], false) });
    const args = { branch: 'publish/x', title: 't', body: 'b', requestId: 'r-1' };
    await expect(host.openPullRequest(args)).rejects.toMatchObject({ code: 'validation' });
    const stranger: Workspace = { id: 'ws-x', name: 'X', blueprintId: 'bp-unknown', ownerId: 'u-x' };
    await expect(host.openPullRequest({ ...args, workspace: stranger })).rejects.toMatchObject({ code: 'validation' });
  });
});
