// Issue 14, item 5: after a trusted (auto-approved) publish, "Nothing to publish" stuck in the Publish
// dialog. The live event that follows the publish refetched the preview while the dialog was still
// open, so the cache held a fresh-looking "nothing to publish"; the builder then saved a file (no
// publishgate event), reopened the dialog, and it showed the cached answer without asking the server.
import type { AuditEntry, PreviewResult, PublishRequest } from '@publishgate/core/client';
import { auditFixture, requestFixture } from '@publishgate/core/testing';
import { screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { PublishDialog } from '../src/index.js';
import { renderWithClient } from './render.js';
import { stubClient } from './stubClient.js';

const workspaceId = 'ws-1';

function preview(changed: boolean): PreviewResult {
  const files = changed ? [{ path: 'index.html', status: 'modified' as const, additions: 1, deletions: 1, binary: false }] : [];
  return {
    baseline: { kind: 'blueprint' },
    diff: {
      files,
      additions: files.length,
      deletions: files.length,
      patch: changed ? 'diff --git a/index.html b/index.html\n--- a/index.html\n+++ b/index.html\n@@ -1 +1 @@\n-a\n+b\n' : '',
      truncated: false,
    },
    findings: [],
    suggestedSubdomain: 'bob-shop',
    publishable: changed,
    ...(changed ? {} : { blockedBy: 'nothing_to_publish' as const }),
    publication: null,
    inFlight: null,
  };
}

function Page() {
  const [open, setOpen] = useState(false);
  return (
    <main>
      <button type="button" onClick={() => setOpen(true)}>
        Publish…
      </button>
      <PublishDialog workspaceId={workspaceId} open={open} onClose={() => setOpen(false)} debounceMs={0} />
    </main>
  );
}

describe('PublishDialog preview freshness', () => {
  it('regression: reopening after a trusted publish whose live event landed while the dialog was open asks the server again and shows the new changes', async () => {
    // What is on disk, as the server would diff it.
    let onDisk = preview(true);
    let previewCalls = 0;
    let emit: ((entry: AuditEntry) => void) | undefined;
    const published: PublishRequest = requestFixture({
      workspace: { id: workspaceId, name: 'Shop', blueprintId: 'bp', ownerId: 'u-bob' },
      status: 'approved',
      subdomain: 'bob-shop',
      decision: { kind: 'approved', by: { trust: true }, at: '2026-01-01T00:00:00.000Z' },
    });
    const client = stubClient({
      preview: async () => {
        previewCalls += 1;
        return onDisk;
      },
      checkSubdomain: async ({ subdomain }) => ({ available: true, normalized: subdomain }),
      requestPublish: async () => {
        onDisk = preview(false); // published: the workspace now equals what is live
        return published;
      },
      listRequests: async () => ({ items: [published], nextCursor: null }),
      subscribe: (onEvent) => {
        emit = onEvent;
        return () => {};
      },
    });
    const { user } = renderWithClient(<Page />, client, { storeOptions: { coalesceMs: 0 } });

    await user.click(screen.getByRole('button', { name: 'Publish…' }));
    let dialog = screen.getByRole('dialog', { name: 'Publish workspace' });
    await within(dialog).findByText('bob-shop is available.');
    await user.click(within(dialog).getByRole('button', { name: 'Request publish' }));
    await within(dialog).findByText('Auto-approved and published to bob-shop.');
    // The submit's own refresh, then the live event, both while the dialog is still open.
    await waitFor(() => expect(previewCalls).toBe(2));
    emit?.({ ...auditFixture(published, { type: 'request.approved' }), seq: 7 });
    await waitFor(() => expect(previewCalls).toBe(3));
    await user.click(within(dialog).getByRole('button', { name: 'Done' }));

    // The builder saves a file: no publishgate event says so.
    onDisk = preview(true);
    await user.click(screen.getByRole('button', { name: 'Publish…' }));
    dialog = screen.getByRole('dialog', { name: 'Publish workspace' });
    // Never the cached answer, not even for a moment: loading until the fresh preview is in.
    expect(within(dialog).queryByText(/Nothing to publish/)).toBeNull();
    await within(dialog).findByText('1 file changed, 1 addition, 1 deletion');
    expect(previewCalls).toBe(4);
    expect(within(dialog).queryByText(/Nothing to publish/)).toBeNull();
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Request publish' })).toBeEnabled());
  });

  it('opening makes exactly one preview request, also when nothing was cached', async () => {
    let previewCalls = 0;
    const client = stubClient({
      preview: async () => {
        previewCalls += 1;
        return preview(true);
      },
      checkSubdomain: async ({ subdomain }) => ({ available: true, normalized: subdomain }),
    });
    const { user } = renderWithClient(<Page />, client, { storeOptions: { live: false } });
    await user.click(screen.getByRole('button', { name: 'Publish…' }));
    const dialog = screen.getByRole('dialog', { name: 'Publish workspace' });
    await within(dialog).findByText('1 file changed, 1 addition, 1 deletion');
    expect(previewCalls).toBe(1);
  });
});
