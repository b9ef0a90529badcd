import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// Vitest globals are off, so Testing Library cannot register its own cleanup.
afterEach(() => cleanup());

// Live regions repeat what the visible UI says; text queries look at the visible UI, and tests
// check announcements through getByRole('status') explicitly.
configure({
  defaultIgnore: 'script, style, [data-pg-live]',
  // Flows go through a real server and git fakes on two shared cores: give findBy/waitFor room.
  asyncUtilTimeout: 5_000,
});

// jsdom has <dialog> but neither showModal()/close() nor Escape → `cancel`. This stands in for the
// little of it the components use; inertness and the top layer are checked in real Chromium by the
// portal's browser test.
if (typeof HTMLDialogElement !== 'undefined' && typeof HTMLDialogElement.prototype.showModal !== 'function') {
  const modals: HTMLDialogElement[] = [];
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) {
    if (this.open) throw new DOMException('The dialog is already open.', 'InvalidStateError');
    this.setAttribute('open', '');
    modals.push(this);
  };
  HTMLDialogElement.prototype.close = function close(this: HTMLDialogElement) {
    const index = modals.indexOf(this);
    if (index !== -1) modals.splice(index, 1);
    if (!this.open) return;
    this.removeAttribute('open');
    this.dispatchEvent(new Event('close'));
  };
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || event.defaultPrevented) return;
    const top = modals.filter((dialog) => dialog.isConnected && dialog.open).at(-1);
    if (top?.dispatchEvent(new Event('cancel', { cancelable: true }))) top.close();
  });
}
