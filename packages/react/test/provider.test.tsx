import { render, screen, waitFor, within } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPublishGateStore, defaultLabels, PublishGateProvider, PublishStatus } from '../src/index.js';
import { admin, builder, startServer, type TestServer, workspace } from './harness.js';
import { renderWithClient } from './render.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

describe('PublishGateProvider', () => {
  it('works under StrictMode (double effects) and still updates live', async () => {
    server.edit(workspace);
    const request = await server.clientFor(builder).requestPublish({ workspaceId: workspace.id, subdomain: 'strict-shop' });
    render(
      <StrictMode>
        <PublishGateProvider client={server.clientFor(builder)}>
          <PublishStatus workspaceId={workspace.id} />
        </PublishGateProvider>
      </StrictMode>,
    );
    await screen.findByText('Pending review');
    await server.clientFor(admin).reject(request.id, { feedback: 'Strictly no.', expectedVersion: request.version });
    await screen.findByText('Strictly no.', {}, { timeout: 5_000 });
  });

  it('renders from a store prefetched outside React, with no loading state', async () => {
    server.edit(workspace);
    await server.clientFor(builder).requestPublish({ workspaceId: workspace.id, subdomain: 'prefetched' });
    const store = createPublishGateStore(server.clientFor(builder));
    await store.requests({ workspaceId: workspace.id, limit: 20 }).fetch();
    render(
      <PublishGateProvider store={store}>
        <PublishStatus workspaceId={workspace.id} />
      </PublishGateProvider>,
    );
    expect(screen.queryByText('Loading…')).toBeNull();
    expect(screen.getByText('prefetched')).toBeTruthy();
    store.dispose();
  });

  it('translates through labels on the provider, overridden per component', async () => {
    renderWithClient(
      <PublishStatus workspaceId={workspace.id} labels={{ publishStatus: { heading: 'Veröffentlichung' } }} />,
      server.clientFor(builder),
      {
        labels: {
          publishStatus: { none: 'Noch nie veröffentlicht.' },
          common: { formatDateTime: (iso: string) => `am ${iso.slice(0, 10)}` },
        },
      },
    );
    const region = screen.getByRole('region', { name: 'Veröffentlichung' });
    await within(region).findByText('Noch nie veröffentlicht.');
    expect(defaultLabels.publishStatus.heading).toBe('Publish status');
  });

  it('uses a new cache when the client changes (another user signs in)', async () => {
    server.edit(workspace);
    await server.clientFor(builder).requestPublish({ workspaceId: workspace.id, subdomain: 'bobs-only' });
    const { rerender } = render(
      <PublishGateProvider client={server.clientFor(builder)}>
        <PublishStatus workspaceId={workspace.id} />
      </PublishGateProvider>,
    );
    await screen.findByText('bobs-only');
    // Builders see only their own requests: the cached list of Bob's must not show for Carol.
    const outsider = server.clientFor({ id: 'builder-2', email: 'carol@example.com', roles: ['builder'] });
    rerender(
      <PublishGateProvider client={outsider}>
        <PublishStatus workspaceId={workspace.id} />
      </PublishGateProvider>,
    );
    await waitFor(() => expect(screen.queryByText('bobs-only')).toBeNull());
  });
});
