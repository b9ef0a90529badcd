'use client';
import { PublishGateError, type PublishRequest } from '@publishgate/core/client';
import { type FormEvent, type RefObject, useEffect, useId, useRef, useState } from 'react';
import { usePublishPreview } from '../hooks/usePublishPreview.js';
import { usePublishRequest } from '../hooks/usePublishRequest.js';
import { useRequestPublish } from '../hooks/useRequestPublish.js';
import { type SubdomainCheckResult, useSubdomainCheck } from '../hooks/useSubdomainCheck.js';
import type { PublishGateLabelOverrides, PublishGateLabels } from '../labels.js';
import { useLabels } from '../PublishGateProvider.js';
import { DiffView } from './DiffView.js';
import { FindingsList } from './FindingsList.js';
import { DoneButton, ModalDialog } from './ModalDialog.js';
import { PublishFailure, PublishProgressStatus } from './PublishProgressStatus.js';
import { PullRequestLink } from './PullRequestLink.js';
import { QueryNotices } from './QueryNotices.js';

/** Props of {@link PublishDialog}. */
export type PublishDialogProps = {
  /** The workspace to publish. */
  workspaceId: string;
  /** Whether the dialog is shown. Closed, it renders nothing. */
  open: boolean;
  /** Called on Escape, Cancel, the close button and Done. Focus returns to the element that opened it. */
  onClose: () => void;
  /** Called with the request once it is created (`pending`, or `approved`/`failed` for a trusted builder). */
  onSubmitted?: (request: PublishRequest) => void;
  /** Shown in the title instead of the generic label. */
  title?: string;
  /** Label overrides (see `defaultLabels.publishDialog`, `diff`, `findings`). */
  labels?: PublishGateLabelOverrides;
  /** Debounce of the availability check. Default 300 ms. */
  debounceMs?: number;
  /** Level of the dialog's title; sections use the next level. Default 2. */
  headingLevel?: number;
  className?: string;
};

/** Why the submit button is disabled; shown next to it. */
type BlockedReason = keyof PublishGateLabels['publishDialog']['blocked'] | 'loadFailed';

/**
 * The builder's publish dialog: the diff against what is live (files with +/- counts, expandable
 * hunks, truncation), findings, a subdomain field pre-filled from the last publication and checked
 * as it is typed (with suggestions when taken), an optional note, and the submit button, which is
 * disabled with the reason shown while there is nothing to publish or a request is in flight.
 * After submitting it shows the outcome: pending review, or auto-approved for a trusted builder.
 *
 * A native modal `<dialog>` opened with `showModal()`: the page behind is inert, Escape closes
 * (through `onClose`), Tab cycles inside it, and focus returns to the opener. Labelled by its title.
 *
 * @example
 * ```tsx
 * const [open, setOpen] = useState(false);
 * <button type="button" onClick={() => setOpen(true)}>Publish</button>
 * <PublishDialog workspaceId="ws-1" open={open} onClose={() => setOpen(false)} />
 * ```
 */
export function PublishDialog(props: PublishDialogProps) {
  if (!props.open) return null;
  return <OpenPublishDialog {...props} />;
}

function OpenPublishDialog({
  workspaceId,
  onClose,
  onSubmitted,
  title,
  labels: own,
  debounceMs,
  headingLevel = 2,
  className,
}: PublishDialogProps) {
  const labels = useLabels(own);
  const text = labels.publishDialog;
  const ids = useId();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  // Always a fresh preview: files change on disk without any event, and a cached "nothing to publish" would stick.
  const preview = usePublishPreview(workspaceId, { refetchOnMount: true });
  const publish = useRequestPublish();
  const [subdomain, setSubdomain] = useState<string | undefined>(undefined);
  const [note, setNote] = useState('');
  // Pre-filled from the last publication (or the workspace name) until the builder types.
  const suggested = preview.data?.suggestedSubdomain ?? '';
  const value = subdomain ?? suggested;
  const check = useSubdomainCheck(preview.data ? value : '', { workspaceId, ...(debounceMs === undefined ? {} : { debounceMs }) });
  const [announcement, setAnnouncement] = useState('');

  const loaded = preview.data !== undefined;
  useEffect(() => {
    // Focus starts on the dialog while loading; once the field exists, move to it (unless the user moved).
    if (loaded && dialogRef.current && dialogRef.current.ownerDocument.activeElement === dialogRef.current) inputRef.current?.focus();
  }, [loaded]);

  // The submit's answer can be "approving" (a trusted builder's publish still running): show the
  // request as it is now, not as it was when the answer came.
  const submitted = publish.status === 'success' ? publish.data : undefined;
  const live = usePublishRequest(submitted?.id);
  const result = submitted && live.data && live.data.version >= submitted.version ? live.data : submitted;
  useEffect(() => {
    if (!result) return;
    setAnnouncement(resultMessage(result, text));
  }, [result, text]);
  useEffect(() => {
    if (publish.status === 'error') setAnnouncement(`${text.submitFailed} ${labels.common.errorMessage(publish.error)}`);
  }, [publish.status, publish.error, text, labels]);

  const blocked = blockedReason({
    submitting: publish.status === 'pending',
    previewStatus: preview.status,
    hasPreview: loaded,
    blockedBy: preview.data?.blockedBy,
    publishable: preview.data?.publishable ?? false,
    checkStatus: check.status,
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (blocked) return;
    try {
      const request = await publish.submit({ workspaceId, subdomain: value, ...(note.trim() ? { note } : {}) });
      onSubmitted?.(request);
    } catch (error) {
      // Taken between the check and the submit: show the fresh answer with suggestions.
      if (PublishGateError.is(error, 'subdomain_unavailable')) check.recheck();
    }
  };

  const sectionLevel = headingLevel + 1;
  return (
    <ModalDialog
      baseId={ids}
      component="publish-dialog"
      state={result ? 'submitted' : publish.status === 'pending' ? 'submitting' : preview.status}
      title={title ?? text.title}
      description={text.description}
      headingLevel={headingLevel}
      onClose={onClose}
      announcement={announcement}
      dialogRef={dialogRef}
      className={className}
      labels={labels}
    >
      {result ? (
        <ResultView request={result} labels={labels} onDone={onClose} />
      ) : (
        <form className="pg-form" onSubmit={submit} noValidate>
          <QueryNotices
            query={preview}
            failed={text.loadFailed}
            loading={
              <p className="pg-loading" data-pg-loading="">
                {text.blocked.loading}
              </p>
            }
            labels={labels}
          />
          {preview.data ? (
            <>
              <SubdomainField
                inputRef={inputRef}
                baseId={ids}
                value={value}
                onChange={setSubdomain}
                check={check}
                labels={labels}
                disabled={publish.status === 'pending'}
              />
              <div className="pg-field">
                <label htmlFor={`${ids}-note`}>{text.note}</label>
                <textarea
                  id={`${ids}-note`}
                  className="pg-textarea"
                  value={note}
                  rows={2}
                  maxLength={2000}
                  onChange={(event) => setNote(event.target.value)}
                  disabled={publish.status === 'pending'}
                />
              </div>
              <FindingsList findings={preview.data.findings} labels={labels} headingLevel={sectionLevel} />
              <DiffView diff={preview.data.diff} labels={labels} headingLevel={sectionLevel} />
            </>
          ) : null}
          {publish.status === 'error' ? (
            // Announced by the dialog's live region; a role="alert" here would say it twice.
            <p className="pg-notice" data-pg-tone="error">
              {text.submitFailed} {labels.common.errorMessage(publish.error)}
            </p>
          ) : null}
          <div className="pg-actions">
            <button
              type="submit"
              className="pg-button"
              data-pg-variant="primary"
              disabled={blocked !== undefined}
              aria-describedby={blocked ? `${ids}-blocked` : undefined}
            >
              {publish.status === 'pending' ? text.submitting : text.submit}
            </button>
            <button type="button" className="pg-button" onClick={onClose}>
              {labels.common.cancel}
            </button>
            {blocked ? (
              <p id={`${ids}-blocked`} className="pg-blocked" data-pg-blocked={blocked}>
                {blocked === 'loadFailed' ? text.loadFailed : text.blocked[blocked]}
              </p>
            ) : null}
          </div>
        </form>
      )}
    </ModalDialog>
  );
}

function SubdomainField({
  inputRef,
  baseId,
  value,
  onChange,
  check,
  labels,
  disabled,
}: {
  inputRef: RefObject<HTMLInputElement | null>;
  baseId: string;
  value: string;
  onChange: (value: string) => void;
  check: SubdomainCheckResult;
  labels: PublishGateLabels;
  disabled: boolean;
}) {
  const text = labels.publishDialog;
  const invalid = check.status === 'invalid' || check.status === 'unavailable';
  const message =
    check.status === 'checking'
      ? text.checking
      : check.status === 'available'
        ? text.available(check.normalized)
        : check.status === 'invalid' || check.status === 'unavailable'
          ? check.message
          : check.status === 'error'
            ? `${text.checkFailed} ${labels.common.errorMessage(check.error)}`
            : '';
  return (
    <div className="pg-field" data-pg-field="subdomain" data-state={check.status}>
      <label htmlFor={`${baseId}-subdomain`}>{text.subdomain}</label>
      <input
        ref={inputRef}
        id={`${baseId}-subdomain`}
        className="pg-input"
        type="text"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        autoComplete="off"
        autoCapitalize="none"
        spellCheck={false}
        maxLength={63}
        aria-invalid={invalid}
        aria-describedby={`${baseId}-subdomain-hint ${baseId}-subdomain-status`}
        disabled={disabled}
      />
      <p id={`${baseId}-subdomain-hint`} className="pg-hint">
        {text.subdomainHint}
      </p>
      <p id={`${baseId}-subdomain-status`} className="pg-field-status" data-state={check.status} aria-live="polite">
        {message}
      </p>
      {check.status === 'unavailable' && check.suggestions.length > 0 ? (
        <div className="pg-suggestions">
          <p id={`${baseId}-suggestions`}>{text.suggestions}</p>
          <ul aria-labelledby={`${baseId}-suggestions`}>
            {check.suggestions.map((suggestion) => (
              <li key={suggestion}>
                <button
                  type="button"
                  className="pg-button"
                  data-pg-variant="quiet"
                  onClick={() => {
                    onChange(suggestion);
                    inputRef.current?.focus();
                  }}
                >
                  {text.pickSuggestion(suggestion)}
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

function ResultView({ request, labels, onDone }: { request: PublishRequest; labels: PublishGateLabels; onDone: () => void }) {
  return (
    <div className="pg-result" data-pg-result={request.status}>
      <p className="pg-notice" data-pg-tone={request.status === 'failed' ? 'error' : 'success'}>
        {resultMessage(request, labels.publishDialog)}
      </p>
      {request.status === 'approving' && request.progress ? (
        <p>
          <PublishProgressStatus request={request} labels={labels} />
        </p>
      ) : null}
      <PublishFailure request={request} labels={labels} />
      {request.pullRequest ? (
        <PullRequestLink url={request.pullRequest.url} text={labels.publishDialog.pullRequest(request.pullRequest.number)} />
      ) : null}
      <DoneButton onClick={onDone}>{labels.publishDialog.done}</DoneButton>
    </div>
  );
}

function resultMessage(request: PublishRequest, text: PublishGateLabels['publishDialog']): string {
  switch (request.status) {
    case 'approved':
      return text.resultApproved(request.subdomain);
    case 'approving':
      return text.resultApproving(request.subdomain);
    case 'failed':
      return text.resultFailed(request.subdomain);
    default:
      return text.resultPending(request.subdomain);
  }
}

function blockedReason(state: {
  submitting: boolean;
  previewStatus: 'loading' | 'success' | 'error';
  hasPreview: boolean;
  blockedBy: 'nothing_to_publish' | 'in_flight' | undefined;
  publishable: boolean;
  checkStatus: string;
}): BlockedReason | undefined {
  if (state.submitting) return 'submitting';
  if (!state.hasPreview) return state.previewStatus === 'error' ? 'loadFailed' : 'loading';
  if (state.blockedBy) return state.blockedBy;
  if (!state.publishable) return 'nothing_to_publish';
  if (state.checkStatus === 'checking') return 'checking';
  if (state.checkStatus !== 'available') return 'subdomain';
  return undefined;
}
