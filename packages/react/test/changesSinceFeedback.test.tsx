import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RequestReview } from '../src/index.js';
import { admin, builder, startServer, type TestServer, workspace } from './harness.js';
import { renderWithClient } from './render.js';

let server: TestServer;
beforeEach(async () => {
  // Every reading of the clock is a second later: requests are ordered without waiting.
  let now = Date.parse('2026-07-01T09:00:00.000Z');
  const clock = () => {
    now += 1_000;
    return new Date(now);
  };
  server = await startServer({ gateOptions: { clock } });
});
afterEach(async () => {
  cleanup();
  await server.close();
});

describe('RequestReview of a resubmission', () => {
  it('shows "Changes since feedback": the earlier feedback and only what changed after the rejection, next to the full diff', async () => {
    server.edit(workspace, 'index.html', '<h1>Bob</h1>\n');
    server.edit(workspace, 'about.html', '<p>draft</p>\n');
    const first = await server.clientFor(builder).requestPublish({ workspaceId: workspace.id, subdomain: 'bobs-shop' });
    await server.clientFor(admin).reject(first.id, { feedback: 'The about page is still a draft.' });
    server.edit(workspace, 'about.html', '<p>Bob sells bikes since 1999.</p>\n');
    const second = await server.clientFor(builder).requestPublish({ workspaceId: workspace.id, subdomain: 'bobs-shop' });
    expect(second.previousRequestId).toBe(first.id);

    renderWithClient(<RequestReview request={second.id} />, server.clientFor(admin));
    const review = await screen.findByRole('region', { name: "Review: Bob's shop" });
    const since = await within(review).findByRole('region', { name: 'Changes since feedback' });
    expect(within(since).getByText(/^The previous request was rejected by ada@example\.com on/)).toBeTruthy();
    expect(within(since).getByText('The about page is still a draft.')).toBeTruthy();
    expect(within(since).getByRole('heading', { name: 'Changed since the previous request' })).toBeTruthy();
    expect(since.querySelector('[data-pg-diff]')).toHaveTextContent('about.html');
    expect(since.querySelector('[data-pg-diff]')).not.toHaveTextContent('index.html');
    expect(since).toHaveTextContent('Bob sells bikes since 1999.');
    // The full diff against the publication (here the blueprint) still lists both files.
    const diffs = review.querySelectorAll('[data-pg-diff]');
    expect(diffs).toHaveLength(2);
    expect(diffs[1]).toHaveTextContent('index.html');
    expect(diffs[1]).toHaveTextContent('about.html');
  });

  it('shows nothing of the kind for a first request', async () => {
    server.edit(workspace, 'index.html', '<h1>Bob</h1>\n');
    const first = await server.clientFor(builder).requestPublish({ workspaceId: workspace.id, subdomain: 'bobs-shop' });
    renderWithClient(<RequestReview request={first.id} />, server.clientFor(admin));
    const review = await screen.findByRole('region', { name: "Review: Bob's shop" });
    expect(review.querySelector('[data-pg-since-previous]')).toBeNull();
  });
});
