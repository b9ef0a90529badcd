// Issue 16: admins filter the queue by where an approved request's pull request is.
import { screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApprovalsQueue } from '../src/index.js';
import { admin, builder, builder2, startServer, type TestServer, workspace, workspace2 } from './harness.js';
import { renderWithClient } from './render.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

describe('approvals queue: the delivery filter', () => {
  it('shows only approved requests in the chosen delivery state, and all again with "Any delivery"', async () => {
    const published = [];
    for (const [ws, owner, subdomain] of [
      [workspace, builder, 'bob-shop'],
      [workspace2, builder2, 'carol-blog'],
    ] as const) {
      server.edit(ws, 'index.html', `<h1>${subdomain}</h1>\n`);
      const request = await server.clientFor(owner).requestPublish({ workspaceId: ws.id, subdomain });
      published.push(await server.clientFor(admin).approve(request.id, { expectedVersion: request.version }));
    }
    const [bob] = published;
    // Bob's pull request was merged; Carol's is still open.
    await server.gate.reportDelivery({
      pullRequest: { number: bob?.pullRequest?.number as number, branch: bob?.branch as string },
      event: 'merged',
      mergeSha: 'c'.repeat(40),
    });

    const { user } = renderWithClient(<ApprovalsQueue initialFilters={{ status: 'approved' }} />, server.clientFor(admin));
    const queue = screen.getByRole('region', { name: 'Publish requests' });
    await within(queue).findByRole('row', { name: /Bob's shop/ });
    await within(queue).findByRole('row', { name: /Carol's blog/ });

    const filter = within(queue).getByRole('combobox', { name: 'Delivery' });
    expect(
      within(filter)
        .getAllByRole('option')
        .map((option) => option.textContent),
    ).toEqual(['Any delivery', 'Pull request open', 'Merged', 'Live', 'Closed without merging', 'Deployment failed']);
    await user.selectOptions(filter, 'Merged');
    await within(queue).findByRole('row', { name: /Bob's shop/ });
    expect(within(queue).queryByRole('row', { name: /Carol's blog/ })).toBeNull();

    await user.selectOptions(filter, 'Pull request open');
    await within(queue).findByRole('row', { name: /Carol's blog/ });
    expect(within(queue).queryByRole('row', { name: /Bob's shop/ })).toBeNull();

    await user.selectOptions(filter, 'Live');
    await within(queue).findByText('No requests match these filters.');

    await user.selectOptions(filter, 'Any delivery');
    await within(queue).findByRole('row', { name: /Bob's shop/ });
    expect(within(queue).getByRole('row', { name: /Carol's blog/ })).toBeTruthy();
  });
});
