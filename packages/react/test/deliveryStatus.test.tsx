// Issue 16: after the pull request, the builder's status and the review say where the publish is.
import type { PublishRequest } from '@publishgate/core/client';
import { advance, requestFixture } from '@publishgate/core/testing';
import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { PublishStatus, RequestReview } from '../src/index.js';
import { renderWithClient } from './render.js';
import { stubClient } from './stubClient.js';

const ada = { id: 'u-ada', email: 'ada@example.com' };
const at = '2026-03-04T05:06:00.000Z';

function delivered(delivery: NonNullable<PublishRequest['delivery']>): PublishRequest {
  const pending = requestFixture({ subdomain: 'shop' });
  return advance(pending, 'approved', {
    decision: { kind: 'approved', by: ada, at },
    branch: `publish/shop-${pending.id}`,
    pullRequest: { number: 7, url: 'https://github.example/acme/sites/pull/7' },
    delivery,
  });
}

async function shown(request: PublishRequest) {
  const client = stubClient({
    listRequests: async () => ({ items: [request], nextCursor: null }),
    getRequest: async () => request,
  });
  const view = renderWithClient(
    <>
      <PublishStatus workspaceId={request.workspace.id} />
      <RequestReview request={request} />
    </>,
    client,
    { storeOptions: { live: false } },
  );
  const status = screen.getByRole('region', { name: 'Publish status' });
  await within(status).findByText(/^Approved by ada@example\.com/);
  const review = screen.getByRole('region', { name: `Review: ${request.workspace.name}` });
  return { status, review, view };
}

describe('delivery in the builder status and the review', () => {
  it('live: "Live at <url>" with a link, in both', async () => {
    const { status, review } = await shown(delivered({ state: 'live', at, deploymentUrl: 'https://shop.apps.example.com/' }));
    for (const region of [status, review]) {
      const link = within(region).getByRole('link', { name: 'https://shop.apps.example.com/' });
      expect(link.getAttribute('href')).toBe('https://shop.apps.example.com/');
      expect(link.closest('p')?.textContent).toBe('Live at https://shop.apps.example.com/');
    }
  });

  it.each([
    ['merged', 'Merged'],
    ['deploy-failed', 'Deployment failed'],
    ['closed-unmerged', 'Closed without merging'],
    ['live', 'Live'],
  ] as const)('%s reads "%s" in both', async (state, text) => {
    const { status, review } = await shown(delivered({ state, at }));
    expect(within(status).getByText(text)).toBeTruthy();
    expect(within(review).getByText(text)).toBeTruthy();
  });

  it('a live address that is not http(s) is never a link', async () => {
    const { status } = await shown(delivered({ state: 'live', at, deploymentUrl: 'javascript:alert(1)' }));
    expect(within(status).queryByRole('link', { name: /javascript/ })).toBeNull();
    expect(within(status).getByText('Live')).toBeTruthy();
  });
});
