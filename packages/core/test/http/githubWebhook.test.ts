import { createHmac } from 'node:crypto';
import { createFetchHandler, createGitHubWebhookHandler } from '@publishgate/core';
import { describe, expect, it } from 'vitest';
import { admin, builder, setup, workspace } from '../helpers';
import { BASE_PATH, hostOptions } from './harness';

const SECRET = 'It’s a Secret to Everybody';
const MERGE_SHA = 'f'.repeat(40);
const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

async function published() {
  const harness = setup();
  harness.git.write(workspace, 'index.html', '<h1>Bob sells bikes</h1>\n');
  const request = await harness.gate.requestPublish({ workspace, subdomain: 'bobs-bikes', actor: builder });
  const approved = await harness.gate.approve({ id: request.id, actor: admin });
  const webhook = createGitHubWebhookHandler({ secret: SECRET, gate: harness.gate, onError: () => {} });
  const deliver = (event: string, payload: unknown, options: { signature?: string | null; body?: string; contentType?: string } = {}) => {
    const body = options.body ?? JSON.stringify(payload);
    const headers: Record<string, string> = { 'x-github-event': event, 'content-type': options.contentType ?? 'application/json' };
    const signature = options.signature === undefined ? sign(body) : options.signature;
    if (signature !== null) headers['x-hub-signature-256'] = signature;
    return webhook(new Request('https://portal.test/webhooks/github', { method: 'POST', headers, body }));
  };
  const stored = async () => harness.gate.getRequest({ id: approved.id, actor: admin });
  const audit = async () => (await harness.gate.history({ actor: admin, requestId: approved.id })).items.length;
  return { ...harness, approved, deliver, stored, audit };
}

const closed = (number: number, branch: string, merged: boolean) => ({
  action: 'closed',
  number,
  pull_request: { number, merged, merge_commit_sha: merged ? MERGE_SHA : null, head: { ref: branch }, base: { ref: 'main' } },
});
const deploymentStatus = (state: string, sha = MERGE_SHA, url?: string) => ({
  action: 'created',
  deployment_status: { state, ...(url ? { environment_url: url } : {}) },
  deployment: { sha, ref: 'main', environment: 'production' },
});

describe('createGitHubWebhookHandler: signatures', () => {
  it('a valid signature is accepted and the delivery moves on', async () => {
    const { approved, deliver, stored } = await published();
    const response = await deliver('pull_request', closed(1, approved.branch as string, true));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ outcome: 'updated' });
    expect((await stored()).delivery).toMatchObject({ state: 'merged', mergeSha: MERGE_SHA });
  });

  it.each([
    ['missing', null],
    ['made with another secret', sign('x', 'not the secret')],
    ['malformed', 'sha256=zz'],
    ['sha1 instead of sha256', 'sha1=0123456789abcdef0123456789abcdef01234567'],
  ])('a %s signature is refused with 401 and nothing is stored', async (_name, signature) => {
    const { approved, deliver, stored, audit } = await published();
    const before = await audit();
    const response = await deliver('pull_request', closed(1, approved.branch as string, true), { signature });
    expect(response.status).toBe(401);
    expect((await stored()).delivery?.state).toBe('pull-request-open');
    expect(await audit()).toBe(before);
  });

  it('a replayed signature with another body is refused with 401 and nothing is stored', async () => {
    const { approved, deliver, stored, audit } = await published();
    const before = await audit();
    const original = JSON.stringify(closed(1, approved.branch as string, false));
    const forged = JSON.stringify(closed(1, approved.branch as string, true));
    const response = await deliver('pull_request', undefined, { body: forged, signature: sign(original) });
    expect(response.status).toBe(401);
    expect((await stored()).delivery?.state).toBe('pull-request-open');
    expect(await audit()).toBe(before);
  });

  it('a signed body that is not JSON is refused with 400; only POST is served', async () => {
    const { deliver, gate } = await published();
    expect((await deliver('pull_request', undefined, { body: 'not json' })).status).toBe(400);
    const webhook = createGitHubWebhookHandler({ secret: SECRET, gate });
    expect((await webhook(new Request('https://portal.test/hook'))).status).toBe(405);
    expect(() => createGitHubWebhookHandler({ secret: '', gate })).toThrow(TypeError);
  });

  it('accepts the form encoding (payload=) GitHub can be set to send', async () => {
    const { approved, deliver, stored } = await published();
    const body = new URLSearchParams({ payload: JSON.stringify(closed(1, approved.branch as string, false)) }).toString();
    const response = await deliver('pull_request', undefined, { body, contentType: 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(200);
    expect((await stored()).delivery?.state).toBe('closed-unmerged');
  });
});

describe('createGitHubWebhookHandler: events', () => {
  it('unknown events, other actions, unknown pull requests and unknown commits answer 202 and change nothing', async () => {
    const { approved, deliver, stored, audit } = await published();
    const before = await audit();
    const branch = approved.branch as string;
    for (const [event, payload] of [
      ['ping', { zen: 'Keep it logically awesome.' }],
      ['push', { ref: 'refs/heads/main' }],
      ['pull_request', { ...closed(1, branch, true), action: 'opened' }],
      ['pull_request', closed(42, branch, true)],
      ['pull_request', closed(1, 'publish/not-ours', true)],
      ['deployment_status', deploymentStatus('success', 'a'.repeat(40))],
      ['deployment_status', deploymentStatus('in_progress')],
    ] as const) {
      const response = await deliver(event, payload);
      expect(response.status, `${event} ${JSON.stringify(payload)}`).toBe(202);
    }
    expect((await stored()).delivery?.state).toBe('pull-request-open');
    expect(await audit()).toBe(before);
  });

  it('merged, then deployment success: live at environment_url; duplicates answer 202', async () => {
    const { approved, deliver, stored } = await published();
    const branch = approved.branch as string;
    expect((await deliver('pull_request', closed(1, branch, true))).status).toBe(200);
    expect((await deliver('pull_request', closed(1, branch, true))).status).toBe(202);
    expect((await deliver('deployment_status', deploymentStatus('success', MERGE_SHA, 'https://bobs-bikes.apps.example.com'))).status).toBe(
      200,
    );
    expect((await deliver('deployment_status', deploymentStatus('success', MERGE_SHA, 'https://bobs-bikes.apps.example.com'))).status).toBe(
      202,
    );
    expect((await stored()).delivery).toMatchObject({
      state: 'live',
      mergeSha: MERGE_SHA,
      deploymentUrl: 'https://bobs-bikes.apps.example.com',
    });
  });

  it('out of order: a late merged after live, and a late failure after live, leave it live', async () => {
    const { approved, deliver, stored } = await published();
    const branch = approved.branch as string;
    await deliver('pull_request', closed(1, branch, true));
    await deliver('deployment_status', deploymentStatus('success', MERGE_SHA, 'https://x.example.com'));
    expect((await deliver('pull_request', closed(1, branch, true))).status).toBe(202);
    expect((await deliver('deployment_status', deploymentStatus('failure'))).status).toBe(202);
    expect((await stored()).delivery?.state).toBe('live');
  });

  it('closed after merged is ignored; a failed deployment is deploy-failed', async () => {
    const { approved, deliver, stored } = await published();
    const branch = approved.branch as string;
    await deliver('pull_request', closed(1, branch, true));
    expect((await deliver('pull_request', closed(1, branch, false))).status).toBe(202);
    expect((await stored()).delivery?.state).toBe('merged');
    expect((await deliver('deployment_status', deploymentStatus('error'))).status).toBe(200);
    expect((await stored()).delivery?.state).toBe('deploy-failed');
  });
});

describe('POST {basePath}/hooks/github', () => {
  it('is served without authenticate when githubWebhookSecret is set, and 404 without it', async () => {
    const { gate, approved } = await published();
    const body = JSON.stringify(closed(1, approved.branch as string, true));
    const request = () =>
      new Request(`http://portal.test${BASE_PATH}/hooks/github`, {
        method: 'POST',
        headers: { 'x-github-event': 'pull_request', 'x-hub-signature-256': sign(body), 'content-type': 'application/json' },
        body,
      });
    const without = createFetchHandler(gate, { ...hostOptions(), basePath: BASE_PATH });
    expect((await without(request())).status).toBe(404);
    const withSecret = createFetchHandler(gate, { ...hostOptions(), basePath: BASE_PATH, githubWebhookSecret: SECRET });
    expect((await withSecret(request())).status).toBe(200);
    expect((await gate.getRequest({ id: approved.id, actor: admin })).delivery?.state).toBe('merged');
  });
});
