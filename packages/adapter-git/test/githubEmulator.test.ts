import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createOpenApiValidator, extractOpenApiSubset, type OpenApiDocument } from '@publishgate/adapter-git/testing';
import { describe, expect, it, vi } from 'vitest';
import shipped from '../src/testing/githubOpenApi.json';
import { emulatorApi, emulatorsClosedAfterEach } from './helpers/github.js';

const require = createRequire(import.meta.url);
const start = emulatorsClosedAfterEach();
const api = emulatorApi;

describe('the shipped OpenAPI subset', () => {
  it('equals a fresh extraction from the installed @octokit/openapi (drift fails here)', async () => {
    const full = JSON.parse(await readFile(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as OpenApiDocument;
    expect(extractOpenApiSubset(full)).toEqual(shipped);
  });

  it('the validator rejects values that break the description (so a green run means something)', () => {
    const validator = createOpenApiValidator(shipped as unknown as OpenApiDocument);
    const pullRequest = { $ref: '#/components/schemas/pull-request' };
    expect(validator.validate(pullRequest, { number: 'one' }).length).toBeGreaterThan(5);
    const create = validator.operation('/repos/{owner}/{repo}/pulls', 'post');
    expect(validator.validate(create.requestBody?.schema ?? {}, { head: 'x', base: 'main', title: 'ok' })).toEqual([]);
    expect(validator.validate(create.requestBody?.schema ?? {}, { head: 'x', title: 7 })).toEqual([
      '$.base: is required',
      '$.title: expected a string',
    ]);
    expect(validator.validate({ $ref: '#/components/schemas/simple-user' }, null)).toEqual(['$: null is not allowed']);
    expect(validator.validate({ $ref: '#/components/schemas/nullable-simple-user' }, null)).toEqual([]);
  });
});

describe('startGitHubEmulator', () => {
  it('serves repository, pull request and rate-limit bodies that match GitHub’s description', async () => {
    const emulator = await start();
    emulator.setBranch('publish/a');
    const repo = await api(emulator, '/repos/acme/sites');
    expect(repo.status).toBe(200);
    expect(await repo.json()).toMatchObject({ full_name: 'acme/sites', default_branch: 'main' });
    const created = await api(emulator, '/repos/acme/sites/pulls', {
      method: 'POST',
      body: JSON.stringify({ head: 'publish/a', base: 'main', title: 'Publish a', body: 'details' }),
    });
    expect(created.status).toBe(201);
    const pull = (await created.json()) as { number: number; html_url: string };
    expect((await api(emulator, `/repos/acme/sites/pulls/${pull.number}`)).status).toBe(200);
    expect(await (await api(emulator, '/repos/acme/sites/pulls?state=open&head=acme:publish/a')).json()).toHaveLength(1);
    expect((await api(emulator, '/rate_limit')).status).toBe(200);
    const page = await fetch(pull.html_url);
    expect(await page.text()).toContain('Publish a #1');
    expect(emulator.violations()).toEqual([]);
  });

  it('answers an invalid request body with 422 and records the violation', async () => {
    const emulator = await start();
    const response = await api(emulator, '/repos/acme/sites/pulls', { method: 'POST', body: JSON.stringify({ head: 'x', title: 42 }) });
    expect(response.status).toBe(422);
    expect(emulator.violations()).toEqual([
      'pulls.create request: body.base: is required',
      'pulls.create request: body.title: expected a string',
    ]);
  });

  it('rejects a wrong token with GitHub’s 401 Bad credentials', async () => {
    const emulator = await start();
    const response = await fetch(`${emulator.url}/repos/acme/sites`, { headers: { authorization: 'token wrong' } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ message: 'Bad credentials' });
  });

  it('refuses a pull request for a branch that does not exist, and a second open one for the same head', async () => {
    const emulator = await start();
    const missing = await api(emulator, '/repos/acme/sites/pulls', {
      method: 'POST',
      body: JSON.stringify({ head: 'nope', base: 'main', title: 't' }),
    });
    expect(missing.status).toBe(422);
    expect(await missing.json()).toMatchObject({ errors: [{ field: 'head', code: 'invalid' }] });
    emulator.setBranch('publish/b');
    const body = JSON.stringify({ head: 'publish/b', base: 'main', title: 't' });
    expect((await api(emulator, '/repos/acme/sites/pulls', { method: 'POST', body })).status).toBe(201);
    const again = await api(emulator, '/repos/acme/sites/pulls', { method: 'POST', body });
    expect(again.status).toBe(422);
    expect(await again.json()).toMatchObject({ errors: [{ message: 'A pull request already exists for acme:publish/b.' }] });
    expect(emulator.violations()).toEqual([]);
  });

  it('injects a 5xx after creating, secondary and primary rate limits, on a scaled clock', async () => {
    const emulator = await start({ secondMs: 10 });
    emulator.setBranch('publish/c');
    emulator.failNext({ operation: 'pulls.create', status: 502, afterCreate: true });
    const lost = await api(emulator, '/repos/acme/sites/pulls', {
      method: 'POST',
      body: JSON.stringify({ head: 'publish/c', base: 'main', title: 't' }),
    });
    expect(lost.status).toBe(502);
    expect(emulator.pulls()).toHaveLength(1);

    emulator.rateLimit({ kind: 'secondary', seconds: 60 });
    const secondary = await api(emulator, '/repos/acme/sites');
    expect(secondary.status).toBe(403);
    expect(Number(secondary.headers.get('retry-after'))).toBeGreaterThan(55);
    expect(((await secondary.json()) as { message: string }).message).toMatch(/secondary rate limit/);
    await new Promise((resolve) => setTimeout(resolve, 650));
    expect((await api(emulator, '/repos/acme/sites')).status).toBe(200);

    emulator.rateLimit({ kind: 'primary', seconds: 30 });
    const primary = await api(emulator, '/repos/acme/sites');
    expect(primary.status).toBe(403);
    expect(primary.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(emulator.violations()).toEqual([]);
  });

  it('enforces a content-creation limit per emulated minute', async () => {
    const emulator = await start({ secondMs: 10, contentCreationLimit: 2 });
    const statuses: number[] = [];
    for (const name of ['a', 'b', 'c']) {
      emulator.setBranch(`publish/${name}`);
      const response = await api(emulator, '/repos/acme/sites/pulls', {
        method: 'POST',
        body: JSON.stringify({ head: `publish/${name}`, base: 'main', title: name }),
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([201, 201, 403]);
  });

  it('holdPullRequests: creations wait until release, other requests are answered meanwhile', async () => {
    const emulator = await start();
    emulator.setBranch('publish/held');
    const hold = emulator.holdPullRequests();
    let answered = false;
    const creating = api(emulator, '/repos/acme/sites/pulls', {
      method: 'POST',
      body: JSON.stringify({ head: 'publish/held', base: 'main', title: 'Held' }),
    }).then((response) => {
      answered = true;
      return response;
    });
    await vi.waitFor(() => expect(hold.waiting()).toBe(1));
    expect((await api(emulator, '/repos/acme/sites')).status).toBe(200);
    expect(answered).toBe(false);
    expect(emulator.pulls()).toHaveLength(0);
    hold.release();
    expect((await creating).status).toBe(201);
    expect(hold.waiting()).toBe(0);
    expect(emulator.pulls().map((pull) => pull.head)).toEqual(['publish/held']);
    hold.release();
    emulator.setBranch('publish/after');
    const after = await api(emulator, '/repos/acme/sites/pulls', {
      method: 'POST',
      body: JSON.stringify({ head: 'publish/after', base: 'main', title: 'After' }),
    });
    expect(after.status).toBe(201);
    expect(emulator.violations()).toEqual([]);
  });

  it('close() releases held creations without creating anything', async () => {
    const emulator = await start();
    emulator.setBranch('publish/closed');
    const hold = emulator.holdPullRequests();
    const creating = api(emulator, '/repos/acme/sites/pulls', {
      method: 'POST',
      body: JSON.stringify({ head: 'publish/closed', base: 'main', title: 'Closed' }),
    }).catch((error: unknown) => error);
    await vi.waitFor(() => expect(hold.waiting()).toBe(1));
    await emulator.close();
    expect(await creating).toBeInstanceOf(Error);
    expect(emulator.pulls()).toHaveLength(0);
  });
});
