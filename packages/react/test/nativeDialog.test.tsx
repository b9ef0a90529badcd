// Issue 14, item 10: the Publish dialog is a native modal <dialog> (showModal: the page behind is
// inert, Escape arrives as `cancel`), not a div with a hand-written focus trap. jsdom has no
// showModal (test/setup.ts stands in); the portal's Chromium test checks the real top layer.
import type { PreviewResult } from '@publishgate/core/client';
import { screen, within } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PublishDialog } from '../src/index.js';
import { renderWithClient } from './render.js';
import { stubClient } from './stubClient.js';

const preview: PreviewResult = {
  baseline: { kind: 'blueprint' },
  diff: { files: [], additions: 0, deletions: 0, patch: '', truncated: false },
  findings: [],
  suggestedSubdomain: 'shop',
  publishable: false,
  blockedBy: 'nothing_to_publish',
  publication: null,
  inFlight: null,
};

function Page({ onClose }: { onClose: () => void }) {
  const [open, setOpen] = useState(false);
  return (
    <main>
      <button type="button" onClick={() => setOpen(true)}>
        Publish…
      </button>
      <PublishDialog
        workspaceId="ws-1"
        open={open}
        onClose={() => {
          onClose();
          setOpen(false);
        }}
      />
    </main>
  );
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('PublishDialog as a native dialog', () => {
  it('opens a <dialog> with showModal(), and Escape (the cancel event) closes it through onClose and returns focus', async () => {
    const showModal = vi.spyOn(HTMLDialogElement.prototype, 'showModal');
    const close = vi.spyOn(HTMLDialogElement.prototype, 'close');
    const onClose = vi.fn();
    const client = stubClient({ preview: async () => preview });
    const { user } = renderWithClient(<Page onClose={onClose} />, client, { storeOptions: { live: false } });
    const opener = screen.getByRole('button', { name: 'Publish…' });
    await user.click(opener);

    const dialog = screen.getByRole('dialog', { name: 'Publish workspace' });
    expect(dialog.tagName).toBe('DIALOG');
    expect(showModal).toHaveBeenCalledTimes(1);
    expect((dialog as HTMLDialogElement).open).toBe(true);
    await within(dialog).findByText(/Nothing to publish/);

    await user.keyboard('{Escape}');
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(close).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(opener).toHaveFocus();
  });
});
