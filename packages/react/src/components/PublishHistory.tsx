'use client';
import type { PublishRequest } from '@publishgate/core/client';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { type PublishHistoryItem, type PublishHistoryResult, usePublishHistory, useRollbackPreview } from '../hooks/usePublishHistory.js';
import type { PublishGateLabelOverrides, PublishGateLabels } from '../labels.js';
import { useLabels } from '../PublishGateProvider.js';
import { DeliveryLine } from './DecisionLine.js';
import { DiffView } from './DiffView.js';
import { FindingsList } from './FindingsList.js';
import { Heading } from './Heading.js';
import { DoneButton, ModalDialog } from './ModalDialog.js';
import { QueryNotices } from './QueryNotices.js';
import { rootClass } from './rootClass.js';
import { RollbackBadge, StatusBadge } from './StatusBadge.js';
import { Time } from './Time.js';

/** Props of {@link PublishHistory}. */
export type PublishHistoryProps = {
  /** The workspace whose requests to list. */
  workspaceId: string;
  /** Offer "Roll back to this version" on merged or live rows other than the current publication. Default true. */
  allowRollback?: boolean;
  /** Called with the rollback request once it is created. */
  onRolledBack?: (request: PublishRequest) => void;
  labels?: PublishGateLabelOverrides;
  /** Level of the title; the confirmation's title uses the next one. Default 2. */
  headingLevel?: number;
  className?: string;
};

/**
 * A workspace's publish history, newest first: each request's status, when it was submitted, and
 * where its pull request is ("Live at …", "Merged", "Closed without merging", "Deployment failed"),
 * the current publication marked. Merged or live rows other than the current publication offer
 * "Roll back to this version", which opens a confirmation (a native modal dialog) showing what the
 * rollback would change compared with what is published now, with an optional note for the
 * reviewer; once requested, it shows the rollback request's own diff.
 * Updates live.
 *
 * @example
 * ```tsx
 * <PublishHistory workspaceId="ws-1" onRolledBack={(request) => toast(`Rollback ${request.id} waits for review`)} />
 * ```
 */
export function PublishHistory({
  workspaceId,
  allowRollback = true,
  onRolledBack,
  labels: own,
  headingLevel = 2,
  className,
}: PublishHistoryProps) {
  const labels = useLabels(own);
  const text = labels.publishHistory;
  const ids = useId();
  const history = usePublishHistory(workspaceId);
  const [target, setTarget] = useState<PublishRequest | null>(null);
  const items = history.data?.items ?? [];
  const blocked = history.data?.inFlight != null;

  return (
    <section
      className={rootClass('pg-history', className)}
      aria-labelledby={`${ids}-title`}
      data-pg-component="publish-history"
      data-state={history.status === 'success' && items.length === 0 ? 'empty' : history.status}
    >
      <Heading level={headingLevel} id={`${ids}-title`} className="pg-title">
        {text.heading}
      </Heading>
      <QueryNotices query={history} failed={text.loadFailed} empty={items.length === 0 ? text.none : undefined} labels={labels} />
      {allowRollback && blocked && items.some((item) => item.canRollBack) ? (
        <p id={`${ids}-blocked`} className="pg-muted">
          {text.blockedInFlight}
        </p>
      ) : null}
      {items.length > 0 ? (
        <ol className="pg-history-list">
          {items.map((item) => (
            <HistoryRow
              key={item.request.id}
              item={item}
              labels={labels}
              rollback={allowRollback && item.canRollBack}
              blockedBy={blocked ? `${ids}-blocked` : undefined}
              onRollBack={() => setTarget(item.request)}
            />
          ))}
        </ol>
      ) : null}
      {target ? (
        <RollbackDialog
          target={target}
          history={history}
          labels={labels}
          headingLevel={headingLevel + 1}
          onSubmitted={onRolledBack}
          onClose={() => {
            history.resetRollback();
            setTarget(null);
          }}
        />
      ) : null}
    </section>
  );
}

function HistoryRow({
  item,
  labels,
  rollback,
  blockedBy,
  onRollBack,
}: {
  item: PublishHistoryItem;
  labels: PublishGateLabels;
  rollback: boolean;
  blockedBy: string | undefined;
  onRollBack: () => void;
}) {
  const text = labels.publishHistory;
  const { request } = item;
  return (
    <li
      data-pg-request={request.id}
      data-pg-status={request.status}
      data-pg-kind={request.kind ?? 'publish'}
      {...(item.isCurrentPublication ? { 'data-pg-current': '', 'aria-current': 'true' as const } : {})}
    >
      <p className="pg-request-line">
        <StatusBadge status={request.status} labels={labels} /> <span data-pg-field="subdomain">{request.subdomain}</span>
        <RollbackBadge request={request} labels={labels} />{' '}
        <span className="pg-muted">
          {text.submitted} <Time iso={request.createdAt} labels={labels} />
        </span>
        {item.isCurrentPublication ? (
          <>
            {' '}
            <strong className="pg-current-publication">{text.currentPublication}</strong>
          </>
        ) : null}
      </p>
      <DeliveryLine request={request} labels={labels} />
      {rollback ? (
        <div className="pg-actions">
          <button
            type="button"
            className="pg-button"
            aria-label={text.rollBackNamed(request.subdomain, labels.common.formatDateTime(request.createdAt))}
            disabled={blockedBy !== undefined}
            {...(blockedBy ? { 'aria-describedby': blockedBy } : {})}
            onClick={onRollBack}
          >
            {text.rollBack}
          </button>
        </div>
      ) : null}
    </li>
  );
}

function RollbackDialog({
  target,
  history,
  labels,
  headingLevel,
  onSubmitted,
  onClose,
}: {
  target: PublishRequest;
  history: PublishHistoryResult;
  labels: PublishGateLabels;
  headingLevel: number;
  onSubmitted: ((request: PublishRequest) => void) | undefined;
  onClose: () => void;
}) {
  const text = labels.publishHistory;
  const ids = useId();
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const [note, setNote] = useState('');
  const preview = useRollbackPreview(target.workspace.id, target.id);
  const state = history.rollback;
  const created = state.status === 'success' ? state.data : undefined;
  useEffect(() => noteRef.current?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const request = await history.rollBack({ toRequestId: target.id, ...(note.trim() ? { note: note.trim() } : {}) });
      onSubmitted?.(request);
    } catch {
      // Shown from the mutation's state.
    }
  };

  return (
    <ModalDialog
      baseId={ids}
      component="rollback-dialog"
      state={created ? 'submitted' : state.status}
      title={text.confirmTitle}
      description={text.confirmText(target.subdomain, labels.common.formatDateTime(target.createdAt))}
      headingLevel={headingLevel}
      onClose={onClose}
      labels={labels}
    >
      {created ? (
        <div className="pg-result" data-pg-result={created.status}>
          <p className="pg-notice" data-pg-tone="success" role="status">
            {text.requested}
          </p>
          <DiffView diff={created.diff} labels={labels} headingLevel={headingLevel + 1} />
          <FindingsList findings={created.findings} labels={labels} headingLevel={headingLevel + 1} />
          <p>{text.waiting}</p>
          <DoneButton onClick={onClose}>{text.done}</DoneButton>
        </div>
      ) : (
        <form className="pg-form" onSubmit={submit} noValidate>
          <QueryNotices query={preview} failed={text.previewFailed} labels={labels} />
          {preview.data ? (
            <div className="pg-rollback-preview" data-pg-rollback-preview="">
              <p>{text.changes}</p>
              <DiffView diff={preview.data} labels={labels} headingLevel={headingLevel + 1} />
            </div>
          ) : null}
          <div className="pg-field">
            <label htmlFor={`${ids}-note`}>{text.note}</label>
            <textarea
              ref={noteRef}
              id={`${ids}-note`}
              className="pg-textarea"
              value={note}
              rows={2}
              maxLength={2000}
              onChange={(event) => setNote(event.target.value)}
              disabled={state.status === 'pending'}
            />
          </div>
          {state.status === 'error' ? (
            <p className="pg-notice" data-pg-tone="error" role="alert">
              {text.failed} {labels.common.errorMessage(state.error)}
            </p>
          ) : null}
          <div className="pg-actions">
            <button type="button" className="pg-button" onClick={onClose}>
              {labels.common.cancel}
            </button>
            <button type="submit" className="pg-button" data-pg-variant="primary" disabled={state.status === 'pending' || !preview.data}>
              {state.status === 'pending' ? text.submitting : text.submit}
            </button>
          </div>
        </form>
      )}
    </ModalDialog>
  );
}
