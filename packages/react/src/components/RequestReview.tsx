'use client';
import type { PublishRequest } from '@publishgate/core/client';
import { type RefObject, useEffect, useId, useRef, useState } from 'react';
import { usePublishRequest } from '../hooks/usePublishRequest.js';
import { useReviewActions } from '../hooks/useReviewActions.js';
import type { PublishGateLabelOverrides, PublishGateLabels } from '../labels.js';
import { useLabels, usePublishGateStore } from '../PublishGateProvider.js';
import type { ReviewState } from '../store/reviewActions.js';
import { ApprovalCount, requiredApprovals } from './ApprovalCount.js';
import { BuilderEmail } from './BuilderEmail.js';
import { ChangesSinceFeedback } from './ChangesSinceFeedback.js';
import { DecisionLine, Outcome } from './DecisionLine.js';
import { DiffView } from './DiffView.js';
import { FindingsList } from './FindingsList.js';
import { Heading } from './Heading.js';
import { LiveRegion } from './LiveRegion.js';
import { PublishProgressStatus } from './PublishProgressStatus.js';
import { LoadFailed } from './QueryNotices.js';
import { rootClass } from './rootClass.js';
import { RollbackBadge, StatusBadge } from './StatusBadge.js';
import { Time } from './Time.js';

/** Props of {@link RequestReview}. */
export type RequestReviewProps = {
  /** The request (as listed in the queue) or its id. Either way it is kept up to date live. */
  request: PublishRequest | string;
  /** Show the "trusted builder" badge (the queue passes whether the builder is trusted on the blueprint). */
  trusted?: boolean;
  /** Called with the request after the server recorded a decision. */
  onDecided?: (request: PublishRequest) => void;
  /** Renders a "back" button calling this (the queue uses it to return to the list). */
  onClose?: () => void;
  /** Move focus to the title when mounted (the queue sets it when a review opens). Default false. */
  autoFocus?: boolean;
  labels?: PublishGateLabelOverrides;
  /** Level of the title; sections use the next one. Default 2. */
  headingLevel?: number;
  className?: string;
};

/**
 * An admin's review of one publish request: the five fields (workspace name, builder email,
 * subdomain, timestamp, diff preview), the builder's note, findings, the trust badge, for a
 * resubmission the changes since the previous request's feedback ({@link ChangesSinceFeedback}), the full
 * diff, and the decision: approve, or reject with optional feedback for the builder. When someone
 * else decided first, it says so and shows the request as it is now.
 *
 * @example
 * ```tsx
 * <RequestReview request={request} onDecided={(r) => toast(r.status)} />
 * ```
 */
export function RequestReview({
  request: given,
  trusted = false,
  onDecided,
  onClose,
  autoFocus = false,
  labels: own,
  headingLevel = 2,
  className,
}: RequestReviewProps) {
  const labels = useLabels(own);
  const text = labels.requestReview;
  const store = usePublishGateStore('RequestReview');
  const id = typeof given === 'string' ? given : given.id;
  // Seed the live query with the object the queue already has, so the review shows at once.
  useState(() => {
    if (typeof given !== 'string' && store.request(id).getSnapshot().data === undefined) store.request(id).setData(given);
  });
  const live = usePublishRequest(id);
  const request = live.data ?? (typeof given === 'string' ? undefined : given);
  const review = useReviewActions();
  const ids = useId();
  const titleRef = useRef<HTMLHeadingElement>(null);
  const [rejecting, setRejecting] = useState(false);
  const [feedback, setFeedback] = useState('');
  const feedbackRef = useRef<HTMLTextAreaElement>(null);
  const rejectButtonRef = useRef<HTMLButtonElement>(null);
  const [announcement, setAnnouncement] = useState('');

  useEffect(() => {
    if (autoFocus) titleRef.current?.focus();
  }, [autoFocus]);
  useEffect(() => {
    if (rejecting) feedbackRef.current?.focus();
  }, [rejecting]);

  const state = review.state.status !== 'idle' && review.state.requestId === id ? review.state : undefined;
  const outcomeRef = useRef<HTMLDivElement>(null);
  const sectionRef = useRef<HTMLElement>(null);
  // After a conflict the message follows the request as it is now (it was "now Publishing" forever),
  // so the announcement is refreshed when the live request moves on.
  const message = state && state.status !== 'pending' ? stateMessage(state, labels, live.data) : '';
  useEffect(() => {
    if (message) setAnnouncement(message);
  }, [message]);
  useEffect(() => {
    if (!state || state.status === 'pending') return;
    // The button that was pressed is gone (the request left "pending"): keep keyboard users in
    // place by focusing the outcome, unless focus already moved somewhere else on purpose.
    const active = outcomeRef.current?.ownerDocument.activeElement;
    if (!active || active === active.ownerDocument.body || sectionRef.current?.contains(active)) outcomeRef.current?.focus();
  }, [state]);

  if (!request) {
    return (
      <section className={rootClass('pg-review', className)} data-pg-component="request-review" data-state={live.status}>
        <LiveRegion message={announcement} />
        {live.status === 'error' ? (
          <LoadFailed error={live.error} retry={live.refetch} labels={labels} />
        ) : (
          <p className="pg-loading">{labels.common.loading}</p>
        )}
      </section>
    );
  }

  const pending = state?.status === 'pending' ? state : undefined;
  const decide = async (action: 'approve' | 'reject' | 'retry') => {
    const outcome =
      action === 'approve'
        ? await review.approve(request)
        : action === 'reject'
          ? await review.reject(request, feedback.trim() ? { feedback } : {})
          : await review.retry(request);
    if (outcome.status === 'success') {
      setRejecting(false);
      onDecided?.(outcome.request);
    }
  };
  const sectionLevel = headingLevel + 1;

  return (
    <section
      ref={sectionRef}
      className={rootClass('pg-review', className)}
      aria-labelledby={`${ids}-title`}
      data-pg-component="request-review"
      data-pg-status={request.status}
      data-state={state?.status ?? 'idle'}
    >
      <div className="pg-review-header">
        <Heading level={headingLevel} id={`${ids}-title`} className="pg-title" headingRef={titleRef}>
          {text.heading(request.workspace.name)}
        </Heading>
        {onClose ? (
          <button type="button" className="pg-button" data-pg-variant="quiet" onClick={onClose}>
            {labels.approvalsQueue.backToQueue}
          </button>
        ) : null}
      </div>
      <LiveRegion message={announcement} />

      <dl className="pg-fields">
        <div>
          <dt>{text.workspace}</dt>
          <dd data-pg-field="workspace">{request.workspace.name}</dd>
        </div>
        <div>
          <dt>{text.builder}</dt>
          <dd data-pg-field="builder">
            <BuilderEmail email={request.builder.email} trusted={trusted} trustedLabel={text.trusted} />
          </dd>
        </div>
        <div>
          <dt>{text.subdomain}</dt>
          <dd data-pg-field="subdomain">{request.subdomain}</dd>
        </div>
        <div>
          <dt>{text.submitted}</dt>
          <dd data-pg-field="submitted">
            <Time iso={request.createdAt} labels={labels} />
          </dd>
        </div>
        <div>
          <dt>{text.changes}</dt>
          <dd data-pg-field="changes">
            {labels.approvalsQueue.changesShort(request.diff.files.length, request.diff.additions, request.diff.deletions)}
          </dd>
        </div>
        <div>
          <dt>{text.status}</dt>
          <dd data-pg-field="status">
            <StatusBadge status={request.status} labels={labels} />
            <RollbackBadge request={request} labels={labels} />
            {request.status === 'approving' && request.progress ? (
              <>
                {' '}
                <PublishProgressStatus request={request} labels={labels} />
              </>
            ) : null}
          </dd>
        </div>
        {requiredApprovals(request) > 1 ? (
          <div>
            <dt>{labels.approvals.label}</dt>
            <dd data-pg-field="approvals">
              <ApprovalCount request={request} labels={labels} />
            </dd>
          </div>
        ) : null}
        <div>
          <dt>{text.commit}</dt>
          <dd data-pg-field="commit">
            <code>{request.sha.slice(0, 12)}</code>
          </dd>
        </div>
      </dl>

      {request.kind === 'rollback' ? (
        <p className="pg-notice" data-pg-rollback="">
          {text.rollback}
        </p>
      ) : null}
      {request.note ? (
        <div className="pg-note" data-pg-note="">
          <Heading level={sectionLevel} className="pg-section-title">
            {text.note}
          </Heading>
          <p className="pg-prewrap">{request.note}</p>
        </div>
      ) : null}

      <DecisionLine request={request} labels={labels} />
      {request.decision?.feedback ? (
        <div className="pg-feedback" data-pg-feedback="">
          <Heading level={sectionLevel} className="pg-section-title">
            {text.feedbackGiven}
          </Heading>
          <p className="pg-prewrap">{request.decision.feedback}</p>
        </div>
      ) : null}
      <Outcome request={request} labels={labels} />

      <div ref={outcomeRef} tabIndex={-1} className="pg-outcome">
        {state?.status === 'conflict' ? (
          // No role="alert": the live region above announces it, once.
          <div className="pg-notice" data-pg-tone="warning" data-pg-conflict="">
            <p className="pg-notice-title">{text.conflictTitle}</p>
            <p>{message}</p>
          </div>
        ) : null}
        {state?.status === 'error' ? (
          <p className="pg-notice" data-pg-tone="error">
            {message}
          </p>
        ) : null}
        {state?.status === 'success' ? (
          <p className="pg-notice" data-pg-tone={(live.data ?? state.request).status === 'failed' ? 'error' : 'success'}>
            {message}
          </p>
        ) : null}
      </div>

      <ReviewControls
        request={request}
        labels={labels}
        baseId={ids}
        pendingAction={pending?.action}
        rejecting={rejecting}
        setRejecting={(next) => {
          setRejecting(next);
          // Cancelling the rejection returns focus to the button that opened it.
          if (!next) queueMicrotask(() => rejectButtonRef.current?.focus());
        }}
        feedback={feedback}
        setFeedback={setFeedback}
        feedbackRef={feedbackRef}
        rejectButtonRef={rejectButtonRef}
        decide={decide}
      />

      <FindingsList findings={request.findings} labels={labels} headingLevel={sectionLevel} />
      <ChangesSinceFeedback request={request} labels={labels} headingLevel={sectionLevel} />
      <DiffView diff={request.diff} labels={labels} headingLevel={sectionLevel} />
    </section>
  );
}

function ReviewControls(props: {
  request: PublishRequest;
  labels: PublishGateLabels;
  baseId: string;
  pendingAction: 'approve' | 'reject' | 'retry' | undefined;
  rejecting: boolean;
  setRejecting: (value: boolean) => void;
  feedback: string;
  setFeedback: (value: string) => void;
  feedbackRef: RefObject<HTMLTextAreaElement | null>;
  rejectButtonRef: RefObject<HTMLButtonElement | null>;
  decide: (action: 'approve' | 'reject' | 'retry') => Promise<void>;
}) {
  const { request, labels, baseId, pendingAction, rejecting } = props;
  const text = labels.requestReview;
  const busy = pendingAction !== undefined;
  if (request.status === 'failed') {
    return (
      <div className="pg-actions">
        <button type="button" className="pg-button" data-pg-variant="primary" disabled={busy} onClick={() => void props.decide('retry')}>
          {pendingAction === 'retry' ? text.approving : text.retry}
        </button>
      </div>
    );
  }
  if (request.status !== 'pending') {
    if (busy) return <p className="pg-loading">{pendingAction === 'reject' ? text.rejecting : text.approving}</p>;
    return <p className="pg-hint">{text.notPending(labels.status[request.status])}</p>;
  }
  return (
    <div className="pg-decide">
      {rejecting ? (
        <form
          className="pg-form"
          onSubmit={(event) => {
            event.preventDefault();
            void props.decide('reject');
          }}
        >
          <div className="pg-field">
            <label htmlFor={`${baseId}-feedback`}>{text.feedback}</label>
            <textarea
              ref={props.feedbackRef}
              id={`${baseId}-feedback`}
              className="pg-textarea"
              rows={3}
              maxLength={2000}
              value={props.feedback}
              onChange={(event) => props.setFeedback(event.target.value)}
              aria-describedby={`${baseId}-feedback-hint`}
              disabled={busy}
            />
            <p id={`${baseId}-feedback-hint`} className="pg-hint">
              {text.feedbackHint}
            </p>
          </div>
          <div className="pg-actions">
            <button type="submit" className="pg-button" data-pg-variant="danger" disabled={busy}>
              {pendingAction === 'reject' ? text.rejecting : text.confirmReject}
            </button>
            <button type="button" className="pg-button" disabled={busy} onClick={() => props.setRejecting(false)}>
              {labels.common.cancel}
            </button>
          </div>
        </form>
      ) : (
        <div className="pg-actions">
          <button
            type="button"
            className="pg-button"
            data-pg-variant="primary"
            disabled={busy}
            onClick={() => void props.decide('approve')}
          >
            {pendingAction === 'approve' ? text.approving : text.approve}
          </button>
          <button
            ref={props.rejectButtonRef}
            type="button"
            className="pg-button"
            data-pg-variant="danger"
            disabled={busy}
            onClick={() => props.setRejecting(true)}
          >
            {text.reject}
          </button>
        </div>
      )}
    </div>
  );
}

function stateMessage(
  state: Exclude<ReviewState, { status: 'idle' | 'pending' }>,
  labels: PublishGateLabels,
  now: PublishRequest | undefined,
): string {
  const text = labels.requestReview;
  if (state.status === 'success') {
    // An approval can answer while the push is still running: follow the live copy until it is done.
    const current = now && now.version >= state.request.version ? now : state.request;
    if (current.status === 'rejected') return text.rejected;
    if (current.status === 'failed') return text.failed;
    if (current.status === 'approving') return text.approvedPublishing;
    // An approval that does not meet the request's rule yet: it waits for the other approvers.
    if (current.status === 'pending') return labels.approvals.recorded(current.approvals?.length ?? 0, requiredApprovals(current));
    return text.approved;
  }
  if (state.status === 'conflict') {
    // The live copy when it is at least as new as what the conflict brought back.
    const fresh = now && (!state.request || now.version >= state.request.version) ? now : state.request;
    if (!fresh) return text.conflictUnknown;
    const by = fresh.decision ? ('trust' in fresh.decision.by ? text.byTrust : fresh.decision.by.email) : undefined;
    return text.conflict(labels.status[fresh.status], by);
  }
  return `${text.decisionFailed} ${labels.common.errorMessage(state.error)}`;
}
