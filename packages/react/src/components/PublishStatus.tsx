'use client';
import type { PublishRequest } from '@publishgate/core/client';
import { useEffect, useId, useRef, useState } from 'react';
import { useWorkspacePublishStatus } from '../hooks/useWorkspacePublishStatus.js';
import type { PublishGateLabelOverrides, PublishGateLabels } from '../labels.js';
import { useLabels } from '../PublishGateProvider.js';
import { DecisionLine, Outcome } from './DecisionLine.js';
import { Heading } from './Heading.js';
import { LiveRegion } from './LiveRegion.js';
import { PublishProgressStatus } from './PublishProgressStatus.js';
import { QueryNotices } from './QueryNotices.js';
import { rootClass } from './rootClass.js';
import { StatusBadge } from './StatusBadge.js';
import { Time } from './Time.js';

/** Props of {@link PublishStatus}. */
export type PublishStatusProps = {
  /** The workspace whose requests to show. */
  workspaceId: string;
  /** List earlier requests under the current one. Default true. */
  showHistory?: boolean;
  /** Offer "withdraw" on a pending request. Default true. */
  allowWithdraw?: boolean;
  labels?: PublishGateLabelOverrides;
  /** Level of the title; sections use the next one. Default 2. */
  headingLevel?: number;
  className?: string;
};

/**
 * The builder's view of a workspace's publishing: the current request (status, subdomain, when,
 * who decided, the reviewer's feedback on a rejection, the pull request once approved) and the
 * earlier ones. Updates live, and announces status changes to screen readers.
 *
 * @example
 * ```tsx
 * <PublishStatus workspaceId="ws-1" />
 * ```
 */
export function PublishStatus({
  workspaceId,
  showHistory = true,
  allowWithdraw = true,
  labels: own,
  headingLevel = 2,
  className,
}: PublishStatusProps) {
  const labels = useLabels(own);
  const text = labels.publishStatus;
  const ids = useId();
  const status = useWorkspacePublishStatus(workspaceId);
  const current = status.data?.current ?? null;
  const [announcement, setAnnouncement] = useState('');
  const previous = useRef<{ id: string; status: string } | null | undefined>(undefined);

  useEffect(() => {
    if (status.data === undefined) return;
    const now = current ? { id: current.id, status: current.status } : null;
    const before = previous.current;
    // Announce changes only: not the first load, not a re-render with the same state.
    if (before !== undefined && now && (before?.id !== now.id || before.status !== now.status) && current) {
      setAnnouncement(text.announce(labels.status[current.status], current.subdomain));
    }
    previous.current = now;
  }, [status.data, current, text, labels]);

  const sectionLevel = headingLevel + 1;
  return (
    <section
      className={rootClass('pg-status', className)}
      aria-labelledby={`${ids}-title`}
      data-pg-component="publish-status"
      data-state={status.status === 'success' && !current ? 'empty' : status.status}
      data-pg-status={current?.status}
    >
      <Heading level={headingLevel} id={`${ids}-title`} className="pg-title">
        {text.heading}
      </Heading>
      <LiveRegion message={announcement} />
      <QueryNotices query={status} failed={text.loadFailed} empty={current ? undefined : text.none} labels={labels} />
      {current ? (
        <div className="pg-current" data-pg-request={current.id}>
          <Heading level={sectionLevel} className="pg-section-title">
            {text.current}
          </Heading>
          <RequestDetails request={current} labels={labels} />
          {allowWithdraw && current.status === 'pending' ? (
            <div className="pg-actions">
              <button type="button" className="pg-button" disabled={status.isWithdrawing} onClick={() => void status.withdraw()}>
                {text.withdraw}
              </button>
            </div>
          ) : null}
          {status.withdrawError ? (
            <p className="pg-notice" data-pg-tone="error" role="alert">
              {text.withdrawFailed} {labels.common.errorMessage(status.withdrawError)}
            </p>
          ) : null}
        </div>
      ) : null}
      {showHistory && status.data && status.data.history.length > 0 ? (
        <div className="pg-history">
          <Heading level={sectionLevel} className="pg-section-title">
            {text.history}
          </Heading>
          <ol className="pg-history-list">
            {status.data.history.map((request) => (
              <li key={request.id} data-pg-request={request.id} data-pg-status={request.status}>
                <RequestDetails request={request} labels={labels} />
              </li>
            ))}
          </ol>
        </div>
      ) : null}
    </section>
  );
}

function RequestDetails({ request, labels }: { request: PublishRequest; labels: PublishGateLabels }) {
  const text = labels.publishStatus;
  return (
    <div className="pg-request" data-pg-status={request.status}>
      <p className="pg-request-line">
        <StatusBadge status={request.status} labels={labels} /> <span data-pg-field="subdomain">{request.subdomain}</span>{' '}
        <span className="pg-muted">
          {text.submitted} <Time iso={request.createdAt} labels={labels} />
        </span>
      </p>
      {request.status === 'approving' && request.progress ? (
        <p className="pg-request-line">
          <PublishProgressStatus request={request} labels={labels} />
        </p>
      ) : null}
      <DecisionLine request={request} labels={labels} />
      {request.status === 'rejected' && request.decision?.feedback ? (
        <div className="pg-feedback" data-pg-feedback="">
          <p className="pg-section-title">{text.feedback}</p>
          <p className="pg-prewrap">{request.decision.feedback}</p>
        </div>
      ) : null}
      {/* A tracked delivery says itself where the pull request is (DeliveryLine); "live" would be untrue
          while it is still open. Only a request the gate does not follow keeps the old line. */}
      {request.status === 'approved' && !request.delivery ? <p data-pg-live-at="">{text.liveAt(request.subdomain)}</p> : null}
      <Outcome request={request} labels={labels} />
    </div>
  );
}
