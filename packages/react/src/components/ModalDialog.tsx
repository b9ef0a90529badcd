'use client';
import { type KeyboardEvent, type ReactNode, type RefObject, useEffect, useLayoutEffect, useRef } from 'react';
import type { PublishGateLabels } from '../labels.js';
import { Heading } from './Heading.js';
import { LiveRegion } from './LiveRegion.js';
import { rootClass } from './rootClass.js';

/**
 * The shell every publishgate dialog shares: a native modal `<dialog>` (`showModal()`: top layer, the rest of the page inert; focus back to the opener on close)
 * labelled by its title and described by its description, a header with the title and a close
 * button, Escape routed to `onClose` (the host owns whether it is open), Tab kept inside, and an
 * optional live region for what the dialog announces. The content goes below the description.
 */
export function ModalDialog({
  baseId,
  component,
  state,
  title,
  description,
  headingLevel,
  onClose,
  closeDisabled,
  announcement,
  dialogRef,
  className,
  data,
  labels,
  children,
}: {
  /** From `useId()`: the title is `${baseId}-title`, the description `${baseId}-description`. */
  baseId: string;
  /** `data-pg-component`. */
  component: string;
  /** `data-state`. */
  state: string;
  title: ReactNode;
  description: ReactNode;
  headingLevel: number;
  /** Escape, and the close button. */
  onClose: () => void;
  closeDisabled?: boolean;
  /** Renders a polite live region with this message (from the first render on) when defined. */
  announcement?: string;
  /** The `<dialog>` element, for a dialog that moves focus itself. */
  dialogRef?: RefObject<HTMLDialogElement | null>;
  /** Added to `pg-root pg-dialog`. */
  className?: string | undefined;
  /** More `data-*` attributes of the `<dialog>`. */
  data?: Record<`data-${string}`, string>;
  labels: PublishGateLabels;
  children: ReactNode;
}) {
  const ownRef = useRef<HTMLDialogElement>(null);
  const ref = dialogRef ?? ownRef;
  useModal(ref);
  return (
    <dialog
      ref={ref}
      aria-modal="true"
      aria-labelledby={`${baseId}-title`}
      aria-describedby={`${baseId}-description`}
      tabIndex={-1}
      className={rootClass('pg-dialog', className)}
      data-pg-component={component}
      {...data}
      data-state={state}
      onCancel={(event) => {
        // Escape: the host owns `open`, so ask it to close instead of letting the browser do it.
        event.preventDefault();
        onClose();
      }}
      onKeyDown={wrapTab}
    >
      <div className="pg-dialog-header">
        <Heading level={headingLevel} id={`${baseId}-title`} className="pg-title">
          {title}
        </Heading>
        <button type="button" className="pg-button" data-pg-variant="quiet" onClick={onClose} disabled={closeDisabled}>
          {labels.common.close}
        </button>
      </div>
      <p id={`${baseId}-description`} className="pg-description">
        {description}
      </p>
      {announcement === undefined ? null : <LiveRegion message={announcement} />}
      {children}
    </dialog>
  );
}

/**
 * The primary button that ends a dialog once its outcome is shown ("Done"). It takes focus when
 * it appears: the controls that led to the outcome are gone, and keyboard users land on the way out.
 */
export function DoneButton({ onClick, children }: { onClick: () => void; children: ReactNode }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="pg-actions">
      <button ref={ref} type="button" className="pg-button" data-pg-variant="primary" onClick={onClick}>
        {children}
      </button>
    </div>
  );
}

/**
 * Shows a `<dialog>` as a modal (`showModal()`: top layer, the rest of the page inert) for as long as
 * it is mounted, then closes it and gives focus back to the opener. Layout effects, so `close()`
 * runs before React removes the element (an open modal dialog removed from the page loses focus to
 * the body instead of restoring it).
 */
function useModal(ref: RefObject<HTMLDialogElement | null>) {
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
function wrapTab(event: KeyboardEvent<HTMLDialogElement>) {
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
