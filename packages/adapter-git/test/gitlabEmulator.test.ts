import { createManualClock, startGitLabEmulator } from '@publishgate/adapter-git/testing';
import { describe, expect, it } from 'vitest';
import { GITLAB_TOKEN, gitLabApi, gitLabEmulatorsClosedAfterEach } from './helpers/gitlab.js';
import { createRepoFixture, git } from './helpers/repos.js';

const start = gitLabEmulatorsClosedAfterEach();

const create = (emulator: { url: string }, body: Record<string, unknown>, project = 'acme%2Fsites') =>
  gitLabApi(emulator, `/projects/${project}/merge_requests`, { method: 'POST', body: JSON.stringify(body) });
const mr = (source: string, target = 'main') => ({ source_branch: source, target_branch: target, title: `Publish ${source}` });

describe('GitLab emulator', () => {
  it('answers 401 "401 Unauthorized" without the token, and takes it as PRIVATE-TOKEN or Bearer', async () => {
    const emulator = await start();
    const anonymous = await fetch(`${emulator.url}/api/v4/projects/1`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ message: '401 Unauthorized' });
    expect((await gitLabApi(emulator, '/projects/1', { headers: { 'private-token': 'glpat-wrong-token-000' } })).status).toBe(401);
    expect((await gitLabApi(emulator, '/projects/1')).status).toBe(200);
    const bearer = await fetch(`${emulator.url}/api/v4/projects/1`, { headers: { authorization: `Bearer ${GITLAB_TOKEN}` } });
    expect(bearer.status).toBe(200);
  });

  it('finds the project by numeric id or URL-encoded path, and answers 404 "404 Project Not Found" for others', async () => {
    const emulator = await start({ projectPath: 'acme/web/sites', projectId: 42, defaultBranch: 'trunk' });
    const byId = await (await gitLabApi(emulator, '/projects/42')).json();
    expect(byId).toMatchObject({
      id: 42,
      path_with_namespace: 'acme/web/sites',
      default_branch: 'trunk',
      web_url: `${emulator.url}/acme/web/sites`,
    });
    expect((await gitLabApi(emulator, '/projects/acme%2Fweb%2Fsites')).status).toBe(200);
    const other = await gitLabApi(emulator, '/projects/acme%2Fother');
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual({ message: '404 Project Not Found' });
  });

  it('opens a merge request between existing branches and answers 409 for a second open one', async () => {
    const emulator = await start();
    emulator.setBranch('publish/a');
    const first = await create(emulator, { ...mr('publish/a'), description: 'Hello' });
    expect(first.status).toBe(201);
    const body = await first.json();
    expect(body).toMatchObject({ iid: 1, state: 'opened', source_branch: 'publish/a', target_branch: 'main', description: 'Hello' });
    expect(body.web_url).toBe(`${emulator.url}/acme/sites/-/merge_requests/1`);

    const second = await create(emulator, mr('publish/a'));
    expect(second.status).toBe(409);
    expect(await second.json()).toEqual({ message: ['Another open merge request already exists for this source branch: !1'] });

    // Once it is closed, the same branches may have a new one.
    emulator.closeMergeRequest(1);
    expect((await create(emulator, mr('publish/a'))).status).toBe(201);
    expect(emulator.mergeRequests().map((entry) => [entry.iid, entry.state])).toEqual([
      [1, 'closed'],
      [2, 'opened'],
    ]);
  });

  it('refuses missing branches (422), the same branch as source and target (422) and a missing title (400)', async () => {
    const emulator = await start();
    const missing = await create(emulator, mr('publish/never-pushed'));
    expect(missing.status).toBe(422);
    expect(await missing.json()).toEqual({ message: ['Source branch "publish/never-pushed" does not exist'] });
    emulator.setBranch('publish/b');
    expect((await create(emulator, mr('publish/b', 'release'))).status).toBe(422);
    expect((await create(emulator, mr('main', 'main'))).status).toBe(422);
    const untitled = await create(emulator, { source_branch: 'publish/b', target_branch: 'main' });
    expect(untitled.status).toBe(400);
    expect(await untitled.json()).toEqual({ error: 'title is missing' });
    expect(emulator.mergeRequests()).toEqual([]);
  });

  it('reads branches from a bare repository when given one', async () => {
    const fixture = await createRepoFixture();
    try {
      const emulator = await start({ repositoryPath: fixture.remoteDir });
      expect((await create(emulator, mr('publish/site'))).status).toBe(422);
      const main = await git(fixture.remoteDir, ['rev-parse', 'main']);
      await git(fixture.remoteDir, ['update-ref', 'refs/heads/publish/site', main]);
      const opened = await create(emulator, mr('publish/site'));
      expect(opened.status).toBe(201);
      expect((await opened.json()).sha).toBe(main);
      expect(() => emulator.setBranch('x')).toThrow(/push the branch/);
    } finally {
      await fixture.cleanup();
    }
  });

  it('lists merge requests filtered by source branch and state, newest first, with pagination headers', async () => {
    const emulator = await start();
    for (const name of ['publish/a', 'publish/b', 'publish/c']) {
      emulator.setBranch(name);
      await create(emulator, mr(name));
    }
    emulator.closeMergeRequest(2);
    const open = await gitLabApi(emulator, '/projects/1/merge_requests?state=opened&per_page=1');
    expect((await open.json()).map((entry: { iid: number }) => entry.iid)).toEqual([3]);
    expect(open.headers.get('x-total')).toBe('2');
    expect(open.headers.get('x-next-page')).toBe('2');
    expect(open.headers.get('link')).toContain('page=2');
    const bySource = await (await gitLabApi(emulator, '/projects/1/merge_requests?source_branch=publish%2Fb')).json();
    expect(bySource.map((entry: { iid: number; state: string }) => [entry.iid, entry.state])).toEqual([[2, 'closed']]);
  });

  it('records undocumented parameters and unknown routes as violations', async () => {
    // Not from `start`, whose cleanup expects no violations.
    const emulator = await startGitLabEmulator({ token: GITLAB_TOKEN });
    try {
      await gitLabApi(emulator, '/projects/1/merge_requests?max_pages=1');
      await gitLabApi(emulator, '/projects/1/pipelines');
      expect(emulator.violations()).toEqual([
        'mergeRequests.list: parameter max_pages is not documented',
        'unknown route GET /api/v4/projects/1/pipelines',
      ]);
    } finally {
      await emulator.close();
    }
  });

  it('injects faults; afterCreate opens the merge request and loses the answer', async () => {
    const emulator = await start();
    emulator.setBranch('publish/a');
    emulator.failNext({ operation: 'mergeRequests.create', status: 502, afterCreate: true });
    const lost = await create(emulator, mr('publish/a'));
    expect(lost.status).toBe(502);
    expect(lost.headers.get('content-type')).toBe('text/html');
    expect(emulator.mergeRequests()).toHaveLength(1);
    emulator.failNext({ status: 401 });
    expect((await gitLabApi(emulator, '/projects/1')).status).toBe(401);
    expect((await gitLabApi(emulator, '/projects/1')).status).toBe(200);
  });

  it('a rate limit follows the manual clock: Retry-After and RateLimit-Reset count down, and it lifts on time', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const emulator = await start({ clock });
    emulator.rateLimit({ seconds: 30 });
    const limited = await gitLabApi(emulator, '/projects/1');
    expect(limited.status).toBe(429);
    expect(await limited.text()).toBe('Retry later\n');
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(limited.headers.get('ratelimit-reset')).toBe(String(Date.UTC(2026, 0, 1, 12, 0, 30) / 1000));
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    clock.advance(20_000);
    expect((await gitLabApi(emulator, '/projects/1')).headers.get('retry-after')).toBe('10');
    clock.advance(10_000);
    expect((await gitLabApi(emulator, '/projects/1')).status).toBe(200);

    emulator.rateLimit({ seconds: 5, headers: 'reset' });
    const resetOnly = await gitLabApi(emulator, '/projects/1');
    expect(resetOnly.headers.get('retry-after')).toBeNull();
    expect(resetOnly.headers.get('ratelimit-reset')).toBe(String(Date.UTC(2026, 0, 1, 12, 0, 35) / 1000));
  });

  it('mergeRequestLimit refuses the next creation in the same emulated minute with a JSON 429', async () => {
    const clock = createManualClock();
    const emulator = await start({ clock, mergeRequestLimit: 2 });
    for (const name of ['publish/a', 'publish/b', 'publish/c']) emulator.setBranch(name);
    expect((await create(emulator, mr('publish/a'))).status).toBe(201);
    clock.advance(10_000);
    expect((await create(emulator, mr('publish/b'))).status).toBe(201);
    const refused = await create(emulator, mr('publish/c'));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('50');
    expect(await refused.json()).toEqual({ message: { error: 'This endpoint has been requested too many times. Try again later.' } });
    clock.advance(50_000);
    expect((await create(emulator, mr('publish/c'))).status).toBe(201);
  });

  it('serves an HTML page at each merge request web_url', async () => {
    const emulator = await start();
    emulator.setBranch('publish/a');
    const { web_url: url } = await (await create(emulator, { ...mr('publish/a'), title: '<b>Shop</b>' })).json();
    const page = await fetch(url);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('&#60;b&#62;Shop&#60;/b&#62; !1');
    expect(html).not.toContain('<b>');
  });
});
