'use client';
import type { DecisionResult, PublishRequest } from '@publishgate/core/client';
import { useEffect, useId, useRef, useState } from 'react';
import { useBulkDecisions } from '../hooks/useBulkDecisions.js';
import type { PublishGateLabels } from '../labels.js';
import { requiredApprovals } from './ApprovalCount.js';
import { FindingText } from './FindingsList.js';
import { DoneButton, ModalDialog } from './ModalDialog.js';

/**
 * The confirmation of "Approve selected" / "Reject selected": lists the chosen requests with their
 * findings, takes an optional comment or feedback, sends one `decideMany`, then shows each
 * request's outcome in place (decided, or why not) until the admin closes it.
 */
export function BulkDecisionDialog({
  decision,
  requests,
  labels,
  headingLevel,
  onClose,
}: {
  decision: 'approve' | 'reject';
  /** The selected requests, as the queue shows them. */
  requests: readonly PublishRequest[];
  labels: PublishGateLabels;
  headingLevel: number;
  /** Called when the dialog is dismissed; `results` when the server answered. */
  onClose: (results: DecisionResult[] | undefined) => void;
}) {
  const text = labels.bulkDecisions;
  const ids = useId();
  const fieldRef = useRef<HTMLTextAreaElement>(null);
  const bulk = useBulkDecisions();
  const [message, setMessage] = useState('');
  // The requests as they were chosen: the queue refetches underneath, and decided rows leave it.
  const [chosen] = useState(() => [...requests]);
  const results = bulk.state.status === 'success' ? new Map(bulk.state.data.map((result) => [result.id, result])) : undefined;
  const busy = bulk.state.status === 'pending';

  useEffect(() => {
    fieldRef.current?.focus();
  }, []);
  useEffect(() => {
    if (bulk.state.status === 'success') {
      const failed = bulk.state.data.filter((result) => !result.ok).length;
      setMessage(text.summary(bulk.state.data.length - failed, failed));
    } else if (bulk.state.status === 'error') {
      setMessage(`${text.sendFailed} ${labels.common.errorMessage(bulk.state.error)}`);
    }
  }, [bulk.state, text, labels.common]);

  const close = () => {
    if (busy) return;
    onClose(bulk.state.status === 'success' ? bulk.state.data : undefined);
  };
  const send = () => {
    const value = fieldRef.current?.value ?? '';
    // The error is shown from the mutation's state; nothing else to do with the rejection here.
    bulk
      .decide({
        ids: chosen.map((request) => request.id),
        decision,
        ...(decision === 'approve' ? { comment: value } : { feedback: value }),
      })
      .catch(() => {});
  };

  return (
    <ModalDialog
      baseId={ids}
      component="bulk-decision-dialog"
      data={{ 'data-pg-decision': decision }}
      state={bulk.state.status}
      title={text.title(decision, chosen.length)}
      description={text.description}
      headingLevel={headingLevel}
      onClose={close}
      closeDisabled={busy}
      announcement={message}
      labels={labels}
    >
      <ul className="pg-bulk-list" aria-labelledby={`${ids}-title`}>
        {chosen.map((request) => (
          <li key={request.id} className="pg-bulk-item" data-pg-request={request.id}>
            <p className="pg-bulk-name">
              <strong>{request.workspace.name}</strong> <span className="pg-muted">{request.builder.email}</span>{' '}
              <span>{request.subdomain}</span>
            </p>
            {request.findings.length === 0 ? (
              <p className="pg-muted">{text.noFindings}</p>
            ) : (
              <ul className="pg-bulk-findings">
                {request.findings.map((finding, index) => (
                  // Findings have no id; their order is stable for one diff.
                  // biome-ignore lint/suspicious/noArrayIndexKey: see above
                  <li key={index} data-pg-kind={finding.kind}>
                    <FindingText finding={finding} labels={labels} />
                  </li>
                ))}
              </ul>
            )}
            {results ? <ResultLine result={results.get(request.id)} decision={decision} labels={labels} /> : null}
          </li>
        ))}
      </ul>

      {bulk.state.status === 'success' ? (
        <>
          <p className="pg-notice" data-pg-tone={bulk.state.data.every((result) => result.ok) ? 'success' : 'warning'}>
            {message}
          </p>
          <DoneButton onClick={close}>{text.done}</DoneButton>
        </>
      ) : (
        <form
          className="pg-form"
          onSubmit={(event) => {
            event.preventDefault();
            send();
          }}
        >
          <div className="pg-field">
            <label htmlFor={`${ids}-text`}>{decision === 'approve' ? text.comment : text.feedback}</label>
            <textarea ref={fieldRef} id={`${ids}-text`} className="pg-textarea" rows={2} maxLength={2000} disabled={busy} />
          </div>
          {bulk.state.status === 'error' ? (
            // Announced by the live region above; a role="alert" here would say it twice.
            <p className="pg-notice" data-pg-tone="error">
              {message}
            </p>
          ) : null}
          <div className="pg-actions">
            <button type="submit" className="pg-button" data-pg-variant={decision === 'approve' ? 'primary' : 'danger'} disabled={busy}>
              {busy ? text.deciding : text.confirm(decision, chosen.length)}
            </button>
            <button type="button" className="pg-button" onClick={close} disabled={busy}>
              {labels.common.cancel}
            </button>
          </div>
        </form>
      )}
    </ModalDialog>
  );
}

function ResultLine({
  result,
  decision,
  labels,
}: {
  result: DecisionResult | undefined;
  decision: 'approve' | 'reject';
  labels: PublishGateLabels;
}) {
  const text = labels.bulkDecisions;
  if (!result) return null;
  if (!result.ok) {
    return (
      <p className="pg-bulk-result" data-pg-result="failed" data-pg-code={result.error.code}>
        {text.notDecided(text.errors[result.error.code] ?? result.error.message)}
      </p>
    );
  }
  const request = result.request;
  const outcome =
    decision === 'reject'
      ? text.rejected
      : request.status === 'pending'
        ? text.approvalRecorded(request.approvals?.length ?? 0, requiredApprovals(request))
        : text.approved;
  return (
    <p className="pg-bulk-result" data-pg-result="ok">
      {outcome}
    </p>
  );
}
