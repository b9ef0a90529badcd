'use client';
import { type KeyboardEvent, type RefObject, useLayoutEffect } from 'react';

/**
 * Shows a `<dialog>` as a modal (`showModal()`: top layer, the rest of the page inert) for as long as
 * it is mounted, then closes it and gives focus back to the opener. Layout effects, so `close()`
 * runs before React removes the element (an open modal dialog removed from the page loses focus to
 * the body instead of restoring it).
 */
export function useModal(ref: RefObject<HTMLDialogElement | null>) {
  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = dialog.ownerDocument.activeElement as HTMLElement | null;
    if (!dialog.open) dialog.showModal();
    // The dialog itself, not its first button ("Close"): the content moves focus on once it is
    // ready (the publish dialog's field appears only after its preview loaded).
    dialog.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (opener?.isConnected && opener !== dialog.ownerDocument.body) opener.focus();
    };
  }, [ref]);
}

/**
 * Tab from the last control goes to the first, Shift+Tab from the first to the last, as the ARIA
 * modal dialog pattern describes. The browser keeps focus out of the inert page by itself; without
 * this, Tab at either end would leave for the browser's own toolbar.
 */
export function wrapTab(event: KeyboardEvent<HTMLDialogElement>) {
  if (event.key !== 'Tab') return;
  const dialog = event.currentTarget;
  const items = [...dialog.querySelectorAll<HTMLElement>(TABBABLE)].filter((element) => !element.closest('[hidden]'));
  const first = items[0];
  const last = items[items.length - 1];
  if (!first || !last) return;
  const active = dialog.ownerDocument.activeElement;
  if (event.shiftKey && (active === first || active === dialog)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && active === last) {
    event.preventDefault();
    first.focus();
  }
}

const TABBABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex="0"]';
