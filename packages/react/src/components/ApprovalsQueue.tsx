'use client';
import type { DecisionResult, DeliveryState, PublishRequest, PublishStatus, TrustView } from '@publishgate/core/client';
import { memo, useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { useApprovalsQueue } from '../hooks/useApprovalsQueue.js';
import { useQuery } from '../hooks/useQuery.js';
import type { PublishGateLabelOverrides, PublishGateLabels } from '../labels.js';
import { useLabels, usePublishGateStore } from '../PublishGateProvider.js';
import { type QueueFilters, queueFiltersKey } from '../store/queueObserver.js';
import { ApprovalCount } from './ApprovalCount.js';
import { BuilderEmail } from './BuilderEmail.js';
import { BulkDecisionDialog } from './BulkDecisionDialog.js';
import { Counts } from './DiffView.js';
import { Heading } from './Heading.js';
import { LiveRegion } from './LiveRegion.js';
import { PublishProgressStatus } from './PublishProgressStatus.js';
import { QueryNotices } from './QueryNotices.js';
import { RequestReview } from './RequestReview.js';
import { rootClass } from './rootClass.js';
import { RollbackBadge, StatusBadge } from './StatusBadge.js';
import { Time } from './Time.js';

/** File names shown per row as the diff preview; the review has the full diff. */
const PREVIEW_FILES = 3;

const STATUSES: readonly PublishStatus[] = ['pending', 'approving', 'approved', 'rejected', 'withdrawn', 'expired', 'failed'];
const DELIVERY_STATES: readonly DeliveryState[] = ['pull-request-open', 'merged', 'live', 'closed-unmerged', 'deploy-failed'];

/** Props of {@link ApprovalsQueue}. */
export type ApprovalsQueueProps = {
  /** Filters to start with (status defaults to `pending`); the user changes status and blueprint from the toolbar. */
  initialFilters?: QueueFilters;
  /** Blueprints to offer in the blueprint filter; without them there is no blueprint filter. */
  blueprints?: ReadonlyArray<{ id: string; name: string }>;
  /** Requests per page, 1–100. Default 20. */
  pageSize?: number;
  /** Show the "trusted builder" badge (reads the trust list). Default true. */
  showTrust?: boolean;
  labels?: PublishGateLabelOverrides;
  /** Level of the title; the review uses the next one. Default 2. */
  headingLevel?: number;
  className?: string;
};

/**
 * The admins' approvals queue: a table of requests with the five fields (workspace name, builder
 * email, subdomain, timestamp, diff preview), status, findings count and trust badge, filters
 * and paging, live as requests arrive and are decided. "Review" opens {@link RequestReview} for a
 * request; "Back" returns to the list with focus on the same row. Pending rows have a checkbox
 * (and the header one selects the whole page): "Approve selected" / "Reject selected" open a
 * confirmation listing the chosen requests and their findings, decide them in one call
 * (`decideMany`, each on its own) and show every request's outcome.
 *
 * @example
 * ```tsx
 * <ApprovalsQueue blueprints={[{ id: 'bp-shop', name: 'Shop' }]} pageSize={25} />
 * ```
 */
export function ApprovalsQueue({
  initialFilters,
  blueprints,
  pageSize,
  showTrust = true,
  labels: own,
  headingLevel = 2,
  className,
}: ApprovalsQueueProps) {
  const labels = useLabels(own);
  const text = labels.approvalsQueue;
  const ids = useId();
  const store = usePublishGateStore('ApprovalsQueue');
  const [status, setStatus] = useState<PublishStatus | 'all'>(() => {
    const initial = initialFilters?.status;
    if (initial === undefined) return 'pending';
    const list = [initial].flat();
    return list.length === 1 ? (list[0] as PublishStatus) : 'all';
  });
  const [blueprintId, setBlueprintId] = useState<string | undefined>(initialFilters?.blueprintId);
  const [deliveryState, setDeliveryState] = useState<DeliveryState | undefined>(() => {
    const initial = initialFilters?.deliveryState;
    const list = initial === undefined ? [] : [initial].flat();
    return list.length === 1 ? list[0] : undefined;
  });
  const filters = useMemo<QueueFilters>(
    () => ({
      ...initialFilters,
      status: status === 'all' ? [] : status,
      ...(blueprintId === undefined ? {} : { blueprintId }),
      ...(deliveryState === undefined ? {} : { deliveryState }),
      ...(pageSize === undefined ? {} : { limit: pageSize }),
    }),
    [initialFilters, status, blueprintId, deliveryState, pageSize],
  );
  const queue = useApprovalsQueue(filters);
  const trust = useQuery(showTrust ? store.trust() : undefined);
  const trusted = useMemo(() => trustedSet(trust.data), [trust.data]);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const reviewButtons = useRef(new Map<string, HTMLButtonElement>());
  const returnTo = useRef<string | undefined>(undefined);

  const [announcement, setAnnouncement] = useState('');
  const lastCount = useRef<number | undefined>(undefined);
  const count = queue.status === 'success' ? queue.items.length : undefined;
  useEffect(() => {
    if (count === undefined) return;
    if (lastCount.current !== undefined && lastCount.current !== count) setAnnouncement(text.updated(count));
    lastCount.current = count;
  }, [count, text]);
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (selected !== undefined || returnTo.current === undefined) return;
    // Back to the row's button; when the decision took the row out of this list, to the title.
    const button = returnTo.current === '' ? undefined : reviewButtons.current.get(returnTo.current);
    (button ?? headingRef.current)?.focus();
    returnTo.current = undefined;
  }, [selected]);

  // Stable across renders, so unchanged rows (memoized) skip re-rendering on a live update.
  const registerButton = useCallback((id: string, element: HTMLButtonElement | null) => {
    if (element) reviewButtons.current.set(id, element);
    else reviewButtons.current.delete(id);
  }, []);
  const selectedRequest = selected === undefined ? undefined : queue.items.find((item) => item.id === selected);

  // Rows checked for a bulk decision: only pending requests on this page can be decided, so
  // whatever left the page or the pending state (decided elsewhere, live) drops out by itself.
  const [checked, setChecked] = useState<ReadonlySet<string>>(() => new Set());
  const [bulk, setBulk] = useState<'approve' | 'reject' | undefined>(undefined);
  // A selection belongs to the rows in view: another filter or page starts with none. (By key: a
  // host passing `initialFilters` inline makes a new filters object every render.)
  const filtersKey = queueFiltersKey(filters);
  const pageIndex = queue.pageIndex;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the filters and the page are the triggers, not read
  useEffect(() => setChecked(new Set()), [filtersKey, pageIndex]);
  const selectable = useMemo(() => queue.items.filter((item) => item.status === 'pending'), [queue.items]);
  const chosen = useMemo(() => selectable.filter((item) => checked.has(item.id)), [selectable, checked]);
  const allChecked = selectable.length > 0 && chosen.length === selectable.length;
  const selectAllRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (selectAllRef.current) selectAllRef.current.indeterminate = chosen.length > 0 && !allChecked;
  });
  const toggle = useCallback((id: string, on: boolean) => {
    setChecked((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }, []);
  const bulkText = labels.bulkDecisions;
  const bulkClosed = useRef(false);
  useEffect(() => {
    if (bulk !== undefined || !bulkClosed.current) return;
    bulkClosed.current = false;
    // The dialog gave focus back to "Approve selected"; when the decided rows took that button
    // away, keep keyboard users on the queue rather than lost on the page's body.
    const active = headingRef.current?.ownerDocument.activeElement;
    if (!active || active === active.ownerDocument.body) headingRef.current?.focus();
  });
  const closeBulk = (results: DecisionResult[] | undefined) => {
    bulkClosed.current = true;
    setBulk(undefined);
    // Decided requests are no longer selected; those that failed stay, to look at or try again.
    if (results) setChecked(new Set(results.filter((result) => !result.ok).map((result) => result.id)));
  };

  return (
    <section
      className={rootClass('pg-queue', className)}
      aria-labelledby={`${ids}-title`}
      data-pg-component="approvals-queue"
      data-state={queue.status === 'success' && queue.items.length === 0 ? 'empty' : queue.status}
    >
      <Heading level={headingLevel} id={`${ids}-title`} className="pg-title" headingRef={headingRef}>
        {text.heading}
      </Heading>
      <LiveRegion message={announcement} />

      {selected !== undefined ? (
        <RequestReview
          request={selectedRequest ?? selected}
          trusted={selectedRequest ? trusted.has(trustKey(selectedRequest)) : false}
          onClose={() => {
            const item = queue.items.find((request) => request.id === selected);
            returnTo.current = item && (status === 'all' || item.status === status) ? item.id : '';
            setSelected(undefined);
          }}
          autoFocus
          labels={own}
          headingLevel={headingLevel + 1}
        />
      ) : (
        <>
          <fieldset className="pg-toolbar">
            <legend className="pg-sr-only">{text.filters}</legend>
            <div className="pg-field" data-pg-inline="">
              <label htmlFor={`${ids}-status`}>{text.statusFilter}</label>
              <select
                id={`${ids}-status`}
                className="pg-select"
                value={status}
                onChange={(event) => setStatus(event.target.value as PublishStatus | 'all')}
              >
                <option value="all">{text.allStatuses}</option>
                {STATUSES.map((value) => (
                  <option key={value} value={value}>
                    {labels.status[value]}
                  </option>
                ))}
              </select>
            </div>
            {blueprints && blueprints.length > 0 ? (
              <div className="pg-field" data-pg-inline="">
                <label htmlFor={`${ids}-blueprint`}>{text.blueprintFilter}</label>
                <select
                  id={`${ids}-blueprint`}
                  className="pg-select"
                  value={blueprintId ?? ''}
                  onChange={(event) => setBlueprintId(event.target.value === '' ? undefined : event.target.value)}
                >
                  <option value="">{text.allBlueprints}</option>
                  {blueprints.map((blueprint) => (
                    <option key={blueprint.id} value={blueprint.id}>
                      {blueprint.name}
                    </option>
                  ))}
                </select>
              </div>
            ) : null}
            {/* Only approved requests have a delivery: with another status this shows none. */}
            <div className="pg-field" data-pg-inline="">
              <label htmlFor={`${ids}-delivery`}>{text.deliveryFilter}</label>
              <select
                id={`${ids}-delivery`}
                className="pg-select"
                value={deliveryState ?? ''}
                onChange={(event) => setDeliveryState(event.target.value === '' ? undefined : (event.target.value as DeliveryState))}
              >
                <option value="">{text.allDeliveries}</option>
                {DELIVERY_STATES.map((value) => (
                  <option key={value} value={value}>
                    {labels.delivery.states[value]}
                  </option>
                ))}
              </select>
            </div>
          </fieldset>

          <QueryNotices query={queue} failed={text.loadFailed} empty={queue.items.length === 0 ? text.empty : undefined} labels={labels} />
          {selectable.length > 0 ? (
            <div className="pg-actions pg-bulk-actions" data-pg-bulk="">
              <span className="pg-muted" aria-live="polite">
                {bulkText.selected(chosen.length)}
              </span>
              <button type="button" className="pg-button" disabled={chosen.length === 0} onClick={() => setBulk('approve')}>
                {bulkText.approveSelected}
              </button>
              <button
                type="button"
                className="pg-button"
                data-pg-variant="danger"
                disabled={chosen.length === 0}
                onClick={() => setBulk('reject')}
              >
                {bulkText.rejectSelected}
              </button>
            </div>
          ) : null}
          {bulk !== undefined ? (
            <BulkDecisionDialog decision={bulk} requests={chosen} labels={labels} headingLevel={headingLevel + 1} onClose={closeBulk} />
          ) : null}
          {queue.items.length > 0 ? (
            <div className="pg-table-wrap">
              <table className="pg-table" aria-labelledby={`${ids}-title`} aria-busy={queue.isFetching}>
                <thead>
                  <tr>
                    {selectable.length > 0 ? (
                      <th scope="col" className="pg-select-cell">
                        <input
                          ref={selectAllRef}
                          type="checkbox"
                          aria-label={bulkText.selectAll}
                          checked={allChecked}
                          onChange={(event) => {
                            const on = event.target.checked;
                            setChecked(new Set(on ? selectable.map((item) => item.id) : []));
                          }}
                        />
                      </th>
                    ) : null}
                    <th scope="col">{text.workspace}</th>
                    <th scope="col">{text.builder}</th>
                    <th scope="col">{text.subdomain}</th>
                    <th scope="col">{text.submitted}</th>
                    <th scope="col">{text.changes}</th>
                    <th scope="col">{text.status}</th>
                    <th scope="col">{text.actions}</th>
                  </tr>
                </thead>
                <tbody>
                  {queue.items.map((request) => (
                    <QueueRow
                      key={request.id}
                      request={request}
                      trusted={trusted.has(trustKey(request))}
                      labels={labels}
                      registerButton={registerButton}
                      onReview={setSelected}
                      selectColumn={selectable.length > 0}
                      checked={checked.has(request.id)}
                      onToggle={toggle}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {queue.hasPreviousPage || queue.hasNextPage ? (
            <nav className="pg-pager" aria-label={text.page(queue.pageIndex)}>
              <button type="button" className="pg-button" disabled={!queue.hasPreviousPage} onClick={queue.previousPage}>
                {text.previousPage}
              </button>
              <span className="pg-page">{text.page(queue.pageIndex)}</span>
              <button type="button" className="pg-button" disabled={!queue.hasNextPage} onClick={queue.nextPage}>
                {text.nextPage}
              </button>
            </nav>
          ) : null}
        </>
      )}
    </section>
  );
}

type QueueRowProps = {
  request: PublishRequest;
  trusted: boolean;
  labels: PublishGateLabels;
  registerButton: (id: string, element: HTMLButtonElement | null) => void;
  onReview: (id: string) => void;
  /** Whether the table has the selection column (only while some row on the page is pending: an empty header is not allowed). */
  selectColumn: boolean;
  checked: boolean;
  onToggle: (id: string, checked: boolean) => void;
};

// A refetch brings new objects for every row; a request's version changes with every stored
// change (and the status with an optimistic one), so those decide whether a row re-renders.
// Progress is compared too: it must show even if a server stored it without a new version.
const QueueRow = memo(QueueRowView, (before, after) =>
  (Object.keys(after) as Array<keyof QueueRowProps>).every((key) =>
    key === 'request' ? sameRequest(before.request, after.request) : before[key] === after[key],
  ),
);

function QueueRowView({ request, trusted, labels, registerButton, onReview, selectColumn, checked, onToggle }: QueueRowProps) {
  const buttonRef = useCallback((element: HTMLButtonElement | null) => registerButton(request.id, element), [registerButton, request.id]);
  const text = labels.approvalsQueue;
  return (
    <tr data-pg-request={request.id} data-pg-status={request.status} data-pg-selected={checked ? '' : undefined}>
      {selectColumn ? (
        <td className="pg-select-cell">
          {request.status === 'pending' ? (
            <input
              type="checkbox"
              aria-label={labels.bulkDecisions.select(request.workspace.name, request.subdomain)}
              checked={checked}
              onChange={(event) => onToggle(request.id, event.target.checked)}
            />
          ) : null}
        </td>
      ) : null}
      <td data-pg-field="workspace">{request.workspace.name}</td>
      <td data-pg-field="builder">
        <BuilderEmail email={request.builder.email} trusted={trusted} trustedLabel={text.trusted} />
      </td>
      <td data-pg-field="subdomain">{request.subdomain}</td>
      <td data-pg-field="submitted">
        <Time iso={request.createdAt} labels={labels} />
      </td>
      <td data-pg-field="changes">
        <span className="pg-diff-preview">
          {text.files(request.diff.files.length)}{' '}
          <Counts additions={request.diff.additions} deletions={request.diff.deletions} labels={labels} />
        </span>
        {request.diff.files.length > 0 ? ' ' : null}
        {request.diff.files.length > 0 ? (
          <span className="pg-diff-paths">
            {request.diff.files
              .slice(0, PREVIEW_FILES)
              .map((file) => file.path)
              .join(', ')}
            {request.diff.files.length > PREVIEW_FILES ? ` ${text.moreFiles(request.diff.files.length - PREVIEW_FILES)}` : null}
          </span>
        ) : null}
        {request.findings.length > 0 ? (
          <>
            {' '}
            <span className="pg-badge" data-pg-kind={request.findings.some((finding) => finding.kind === 'secret') ? 'secret' : 'warning'}>
              {text.findings(request.findings.length)}
            </span>
          </>
        ) : null}
      </td>
      <td data-pg-field="status">
        <StatusBadge status={request.status} labels={labels} />
        <RollbackBadge request={request} labels={labels} />
        {request.status === 'pending' ? (
          <>
            {' '}
            <ApprovalCount request={request} labels={labels} compact />
          </>
        ) : null}
        {request.status === 'approving' && request.progress ? (
          <>
            {' '}
            <PublishProgressStatus request={request} labels={labels} compact />
          </>
        ) : null}
        {request.status === 'failed' && request.error?.attempts ? (
          <>
            {' '}
            <span className="pg-muted" data-pg-attempts={request.error.attempts}>
              {labels.progress.afterAttempts(request.error.attempts)}
            </span>
          </>
        ) : null}
      </td>
      <td>
        <button ref={buttonRef} type="button" className="pg-button" onClick={() => onReview(request.id)}>
          {text.review} <span className="pg-sr-only">{request.workspace.name}</span>
        </button>
      </td>
    </tr>
  );
}

function sameRequest(a: PublishRequest, b: PublishRequest): boolean {
  const [p, q] = [a.progress, b.progress];
  return (
    a.id === b.id &&
    a.version === b.version &&
    a.status === b.status &&
    (p === q || (p?.step === q?.step && p?.attempt === q?.attempt && p?.nextAttemptAt === q?.nextAttemptAt))
  );
}

function trustKey(request: PublishRequest): string {
  return `${request.workspace.blueprintId}\u0000${request.builder.id}`;
}

function trustedSet(grants: TrustView[] | undefined): Set<string> {
  return new Set((grants ?? []).filter((grant) => grant.active).map((grant) => `${grant.blueprintId}\u0000${grant.userId}`));
}
