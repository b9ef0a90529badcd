// Issue 14, item 8: diffs started collapsed, so the changed lines (the point of a review) took a
// click per file. Small files start expanded, large ones collapsed, with line counts either way.
import type { DiffFile, DiffSummary } from '@publishgate/core/client';
import { requestFixture } from '@publishgate/core/testing';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { DiffView, defaultLabels, PublishDialog, RequestReview } from '../src/index.js';
import { renderWithClient } from './render.js';
import { everySubdomainFree, firstPublishPreview, stubClient } from './stubClient.js';

function filePatch(path: string, added: number): string {
  const lines = Array.from({ length: added }, (_, index) => `+line ${index + 1} of ${path}`);
  return [`diff --git a/${path} b/${path}`, `--- a/${path}`, `+++ b/${path}`, `@@ -0,0 +1,${added} @@`, ...lines, ''].join('\n');
}

/** One small file (3 lines) and one large file (500 lines). */
function diff(): DiffSummary {
  const files: DiffFile[] = [
    { path: 'small.html', status: 'modified', additions: 3, deletions: 0, binary: false },
    { path: 'large.json', status: 'modified', additions: 500, deletions: 0, binary: false },
  ];
  return { files, additions: 503, deletions: 0, patch: filePatch('small.html', 3) + filePatch('large.json', 500), truncated: false };
}

function expectSmallOpenLargeClosed(scope: HTMLElement) {
  const small = within(scope).getByRole('button', { name: 'small.html' });
  const large = within(scope).getByRole('button', { name: 'large.json' });
  expect(small).toHaveAttribute('aria-expanded', 'true');
  expect(within(scope).getByText('+line 3 of small.html')).toBeVisible();
  expect(large).toHaveAttribute('aria-expanded', 'false');
  expect(within(scope).queryByText('+line 1 of large.json')).toBeNull();
  // Line counts, expanded or not.
  expect(within(small.closest('li') as HTMLElement).getByText('(3 lines in the patch)')).toBeTruthy();
  expect(within(large.closest('li') as HTMLElement).getByText('(500 lines in the patch)')).toBeTruthy();
}

describe('DiffView expansion', () => {
  it('regression: small files start expanded, large ones collapsed, both with their line counts', async () => {
    render(<DiffView diff={diff()} labels={defaultLabels} headingLevel={3} />);
    expectSmallOpenLargeClosed(document.body);
  });

  it('stops opening files once 1,000 lines are open, and keeps what the reader toggled across a refresh', async () => {
    const files: DiffFile[] = [];
    let patch = '';
    for (let index = 1; index <= 5; index += 1) {
      files.push({ path: `f${index}.txt`, status: 'modified', additions: 250, deletions: 0, binary: false });
      patch += filePatch(`f${index}.txt`, 250);
    }
    const summary: DiffSummary = { files, additions: 1250, deletions: 0, patch, truncated: false };
    const user = userEvent.setup();
    const view = render(<DiffView diff={summary} labels={defaultLabels} headingLevel={3} />);
    const state = () => files.map((file) => screen.getByRole('button', { name: file.path }).getAttribute('aria-expanded'));
    expect(state()).toEqual(['true', 'true', 'true', 'true', 'false']);
    await user.click(screen.getByRole('button', { name: 'f1.txt' }));
    view.rerender(<DiffView diff={{ ...summary }} labels={defaultLabels} headingLevel={3} />);
    expect(state()).toEqual(['false', 'true', 'true', 'true', 'false']);
  });

  it('the same in the review and in the publish dialog', async () => {
    const request = requestFixture({ diff: diff() });
    const review = renderWithClient(<RequestReview request={request} />, stubClient({ getRequest: async () => request }), {
      storeOptions: { live: false },
    });
    expectSmallOpenLargeClosed(screen.getByRole('region', { name: `Review: ${request.workspace.name}` }));
    review.unmount();

    const preview = firstPublishPreview({ diff: diff() });
    const client = stubClient({
      preview: async () => preview,
      checkSubdomain: everySubdomainFree,
    });
    renderWithClient(<PublishDialog workspaceId="ws-1" open onClose={() => {}} />, client, { storeOptions: { live: false } });
    const dialog = screen.getByRole('dialog', { name: 'Publish workspace' });
    await within(dialog).findByRole('button', { name: 'small.html' });
    expectSmallOpenLargeClosed(dialog);
  });
});
